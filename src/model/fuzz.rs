//! Helpers behind the `Arbitrary` implementations (feature `arbitrary`).
//!
//! The derives on the model and on the engine's inputs use these for the
//! fields a plain derive would generate badly:
//!
//! - times are whole milliseconds between 2020-01-01 and about 2156 (chrono
//!   accepts far more, but nothing a desk meets lies outside that range, and
//!   extreme dates only exercise chrono);
//! - ids are drawn mostly from a small pool (uuids 1 to 16), so that inputs a
//!   fuzzer generates refer to each other (an agent upserted, then replying),
//!   and sometimes from the whole uuid space;
//! - languages are ISO 639-1 shaped: mostly the reference desk's fourteen,
//!   sometimes any two lower-case letters.
//!
//! ```
//! use arbitrary::{Arbitrary, Unstructured};
//! use caredesk::engine::Input;
//! let bytes = [7u8; 64];
//! let mut u = Unstructured::new(&bytes);
//! let input = Input::arbitrary(&mut u)?;
//! let _ = format!("{input:?}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::Language;
use arbitrary::{Arbitrary, Result, Unstructured};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// 2020-01-01T00:00:00Z, the earliest time [`time`] returns.
pub const EARLIEST: i64 = 1_577_836_800;

/// A time between 2020-01-01 and about 2156, in whole milliseconds.
///
/// # Errors
/// Only [`arbitrary::Error`]s of the data source (none once data runs out:
/// it then returns [`EARLIEST`]).
pub fn time(u: &mut Unstructured<'_>) -> Result<DateTime<Utc>> {
    let seconds = u32::arbitrary(u)?;
    let millis = u16::arbitrary(u)? % 1000;
    // In range by construction: at most 2^32 s after 2020.
    Ok(
        DateTime::from_timestamp(EARLIEST + i64::from(seconds), u32::from(millis) * 1_000_000)
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
    )
}

/// An optional [`time`].
///
/// # Errors
/// As [`time`].
pub fn optional_time(u: &mut Unstructured<'_>) -> Result<Option<DateTime<Utc>>> {
    Ok(if bool::arbitrary(u)? {
        Some(time(u)?)
    } else {
        None
    })
}

/// A uuid: usually one of a pool of sixteen (1 to 16), sometimes any.
///
/// # Errors
/// As [`time`].
pub fn uuid(u: &mut Unstructured<'_>) -> Result<Uuid> {
    let pick = u8::arbitrary(u)?;
    if pick < 240 {
        Ok(Uuid::from_u128(u128::from(pick % 16) + 1))
    } else {
        Ok(Uuid::from_u128(u128::arbitrary(u)?))
    }
}

impl<'a> Arbitrary<'a> for Language {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let pick = u8::arbitrary(u)?;
        if let Some(language) = Language::REFERENCE_DESK.get(usize::from(pick)) {
            return Ok(*language);
        }
        let a = b'a' + u8::arbitrary(u)? % 26;
        let b = b'a' + u8::arbitrary(u)? % 26;
        // Two ASCII lower-case letters always parse.
        Ok(std::str::from_utf8(&[a, b])
            .ok()
            .and_then(|code| code.parse().ok())
            .unwrap_or(Language::ENGLISH))
    }

    fn size_hint(_depth: usize) -> (usize, Option<usize>) {
        (1, Some(3))
    }
}

impl<'a> Arbitrary<'a> for super::Currency {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let codes = ["EUR", "USD", "GBP", "JPY", "NOK"];
        let code = codes[usize::from(u8::arbitrary(u)?) % codes.len()];
        super::Currency::new(code).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for super::SalesOffer {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(super::SalesOffer {
            reference: String::arbitrary(u)?,
            price_minor: i64::arbitrary(u)?,
            currency: super::Currency::arbitrary(u)?,
            expires_at: time(u)?,
        })
    }
}

impl<'a> Arbitrary<'a> for super::Booking {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(super::Booking {
            booking_code: String::arbitrary(u)?,
            offer_reference: Option::<String>::arbitrary(u)?,
            identity: Option::<super::Identity>::arbitrary(u)?,
            amount_minor: i64::arbitrary(u)?,
            currency: super::Currency::arbitrary(u)?,
            booked_at: time(u)?,
        })
    }
}

/// Extracted purchase details are triage's output; fuzzed classifications
/// carry none (the engine only records them).
impl<'a> Arbitrary<'a> for super::PurchaseDetails {
    fn arbitrary(_: &mut Unstructured<'a>) -> Result<Self> {
        Ok(super::PurchaseDetails::default())
    }
}

impl<'a> Arbitrary<'a> for crate::routing::Shift {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        if bool::arbitrary(u)? {
            return Ok(crate::routing::Shift::Always);
        }
        let count = usize::from(u8::arbitrary(u)? % 4);
        let mut intervals = Vec::with_capacity(count);
        for _ in 0..count {
            let start = time(u)?;
            let minutes = i64::from(u16::arbitrary(u)? % (24 * 60)) + 1;
            intervals.push(crate::routing::ShiftInterval {
                start,
                end: start + chrono::Duration::minutes(minutes),
            });
        }
        Ok(crate::routing::Shift::Intervals(intervals))
    }
}
