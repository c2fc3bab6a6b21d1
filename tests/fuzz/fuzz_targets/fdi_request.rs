//! libFuzzer entry of the `fdi_request` target: see `supertokens_fuzz_harness::fdi_request`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    supertokens_fuzz_harness::fdi_request(data);
});
