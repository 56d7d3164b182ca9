//! The engine fed arbitrary input sequences with a non-decreasing clock:
//! no panic, a refused input changes nothing, replay rebuilds the live
//! state, and every accepted message is accounted for.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|script: caredesk_fuzz::Script| {
    caredesk_fuzz::check(&script);
});
