// `sqlx::migrate!` embeds the migrations at compile time, but cargo does not watch files outside
// the crate: without this, a new migration is missing from incremental builds.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
