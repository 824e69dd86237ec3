//! Echo over the simulated network: a typed service, a client, and the faults in action.
//!
//! Run it with:
//!
//! ```text
//! cargo run -p labrpc --example echo
//! LAB_SEED=7 cargo run -p labrpc --example echo   # the same drops every time
//! ```
//!
//! It sends ten calls on a reliable network, ten on an unreliable one (about 1 in 5 fails),
//! then disconnects the end and shows the call failing, and prints the network's counters.

use std::sync::Arc;

use labrpc::{Network, Server};
use labsim::time::Instant;
use serde::{Deserialize, Serialize};

/// What the client sends.
#[derive(Serialize, Deserialize)]
pub struct EchoArgs {
    /// The text to send back.
    pub text: String,
}

/// What the server answers.
#[derive(Serialize, Deserialize)]
pub struct EchoReply {
    /// The text, upper-cased so the round trip is visible.
    pub text: String,
}

labrpc::service! {
    /// A service that shouts back what it hears.
    service Echo {
        handler EchoHandler;
        client EchoClient;
        /// Returns the text upper-cased.
        fn echo(EchoArgs) -> EchoReply;
    }
}

/// The server object; a real one would hold state behind a lock.
struct Shouter;

impl EchoHandler for Shouter {
    fn echo(&self, args: EchoArgs) -> EchoReply {
        EchoReply {
            text: args.text.to_uppercase(),
        }
    }
}

fn main() {
    let network = Network::new();
    println!("network seed {} (set LAB_SEED to replay)", network.seed());

    network.add_server(
        "echo-server",
        Server::new().with_service(Arc::new(Shouter).into_service()),
    );
    let end = network.create_end("client-1").expect("a fresh end name");
    network
        .connect("client-1", "echo-server")
        .expect("the end exists");
    network.enable("client-1", true).expect("the end exists");
    let client = EchoClient::new(end);

    for reliable in [true, false] {
        network.set_reliable(reliable);
        println!(
            "\n{} network:",
            if reliable { "reliable" } else { "unreliable" }
        );
        for i in 0..10 {
            let started = Instant::now();
            let outcome = client.echo(&EchoArgs {
                text: format!("hello {i}"),
            });
            match outcome {
                Ok(reply) => println!("  {:>8.2?}  ok     {}", started.elapsed(), reply.text),
                Err(error) => println!("  {:>8.2?}  failed {error}", started.elapsed()),
            }
        }
    }

    network.set_reliable(true);
    network.enable("client-1", false).expect("the end exists");
    let outcome = client.echo(&EchoArgs {
        text: "anyone?".into(),
    });
    println!("\ndisconnected: {:?}", outcome.err());

    println!(
        "\n{} RPCs sent, {} bytes, {} handled by echo-server",
        network.total_count(),
        network.total_bytes(),
        network.count("echo-server")
    );
}
