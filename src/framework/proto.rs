//! The generated tfplugin6 protocol types and service (from `proto/tfplugin6.proto`).
