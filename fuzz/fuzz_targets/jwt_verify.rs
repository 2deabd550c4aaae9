#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spotter_daemon::fuzzing::jwt_verify(data));
