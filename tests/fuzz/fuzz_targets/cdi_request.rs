//! libFuzzer entry of the `cdi_request` target: see `supertokens_fuzz_harness::cdi_request`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    supertokens_fuzz_harness::cdi_request(data);
});
