//! `hailong`: the server and its administrative commands. Everything lives in the library so the
//! tests start exactly what production starts.

fn main() -> std::process::ExitCode {
    server::cli::main()
}
