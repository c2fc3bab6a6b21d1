//! End-to-end tests of the core over HTTP: one test binary, a module per area.

mod e2e {
    mod cdi_contract;
    mod database_faults;
    mod restart_and_sharing;
}
