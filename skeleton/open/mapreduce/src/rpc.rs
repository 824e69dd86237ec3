//! What workers and the coordinator say to each other: your messages and your service.
//!
//! Declare them here with [`labrpc::service!`]: each message a serde type, each method one
//! request and its reply. For example (a sketch, not a design):
//!
//! ```text
//! labrpc::service! {
//!     /// The coordinator, as workers see it.
//!     service Coordinator {
//!         handler CoordinatorHandler;
//!         client CoordinatorClient;
//!         /// Hands out a task.
//!         fn request_task(TaskRequest) -> Task;
//!     }
//! }
//! ```
//!
//! The coordinator implements the handler trait and serves it with
//! `labrpc::socket::SocketServer::serve`; a worker calls
//! `CoordinatorClient::new(labrpc::socket::SocketClient::new(socket))`.
