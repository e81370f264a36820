//! Generated go-plugin protocol types (`proto/grpc_controller.proto`, `proto/grpc_stdio.proto`),
//! package `plugin`. Clients are generated too, for tests that act as the host.

#![allow(missing_docs, clippy::all, clippy::pedantic)]

tonic::include_proto!("plugin");
