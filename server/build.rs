//! Records the commit the binary is built from, for `hailong --version`: a release is traced to
//! its source without a separate file. Outside a git checkout (a source archive) it says so.

use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown commit".to_owned());
    println!("cargo:rustc-env=HAILONG_COMMIT={commit}");
    println!("cargo:rerun-if-changed=build.rs");
    // A new commit changes HEAD or the branch it points to. Only paths that exist are named:
    // Cargo reruns a build script on every build for a missing one.
    for path in ["../.git/HEAD", "../.git/refs/heads", "../.git/packed-refs"] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
