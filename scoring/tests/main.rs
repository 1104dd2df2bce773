//! The engine's tests, compiled as one binary: behaviour at the edges, invariants under random
//! inputs, and snapshots of full reports for the shipped criteria sets.

mod behaviour;
mod criteria_sets;
mod properties;
mod reports;
mod support;
