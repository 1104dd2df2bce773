//! The province a deployment serves, as the national map gives it: its communes today and the
//! units they were formed from, and the name of each commune's one-stop desk.

pub mod plan;
