//! libFuzzer entry of the `access_token` target: see `supertokens_fuzz_harness::access_token`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    supertokens_fuzz_harness::access_token(data);
});
