//! libFuzzer entry of the `cookies` target: see `supertokens_fuzz_harness::cookies`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    supertokens_fuzz_harness::cookies(data);
});
