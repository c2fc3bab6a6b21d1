//! libFuzzer entry of the `config` target: see `supertokens_fuzz_harness::config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    supertokens_fuzz_harness::config(data);
});
