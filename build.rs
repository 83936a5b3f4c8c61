//! Generates the CRI client from the protos under `proto/` with a pure-Rust protobuf compiler
//! (no protoc needed on the build machine).

const PROTOS: [&str; 2] = [
    "proto/runtime/v1/api.proto",
    "proto/runtime/v1alpha2/api.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for proto in PROTOS {
        println!("cargo:rerun-if-changed={proto}");
    }
    let descriptors = protox::compile(PROTOS, ["proto"])?;
    tonic_prost_build::configure()
        .build_server(false)
        .build_client(true)
        .compile_fds(descriptors)?;
    Ok(())
}
