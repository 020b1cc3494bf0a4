//! A record's amount as the reports count it: hundredths of the portal's base currency, or — when the portal has no
//! rate for the record's currency — the code of that currency and no number at all. A record without a rate counts in
//! every count but in no sum and no average, and the answer names its currency (note `no_rate`).
//! This module only represents amounts; it must never convert (that is `PortalContext::to_base_cents`) nor guess a rate.
//!
//! The value fits in 8 bytes (the report cache keeps millions of them): an amount is the plain `i64`; "no rate" is
//! `i64::MIN`'s top byte (0x80) followed by up to 7 bytes of the currency code. No real amount is that far below
//! zero (−9.2·10¹⁶ units), so amounts are clamped above it. Bitrix24 currency codes are 3 letters; a longer code keeps
//! its first 7 bytes.

/// Hundredths of the base currency, or the currency without a rate.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money(i64);

const TAG: u64 = 0x80 << 56;
const TAG_MASK: u64 = 0xff << 56;
/// The smallest amount kept as an amount; anything lower would collide with the "no rate" values.
const FLOOR: i64 = i64::MIN + (1 << 56);

impl Money {
    /// An amount in hundredths of the base currency.
    pub fn cents(c: i64) -> Money {
        Money(c.max(FLOOR))
    }

    /// An amount in `code`, a currency the portal has no rate for.
    pub fn no_rate(code: &str) -> Money {
        let mut v = TAG;
        for (i, b) in code.bytes().take(7).enumerate() {
            v |= u64::from(b) << (8 * (6 - i));
        }
        Money(v as i64)
    }

    /// The amount in hundredths of the base currency, `None` when there is no rate.
    pub fn known(self) -> Option<i64> {
        (!self.is_no_rate()).then_some(self.0)
    }

    /// The amount for a sum: 0 when there is no rate (the record stays out of the sum).
    pub fn or_zero(self) -> i64 {
        self.known().unwrap_or(0)
    }

    /// The currency the portal has no rate for.
    pub fn missing_currency(self) -> Option<String> {
        if !self.is_no_rate() {
            return None;
        }
        let bytes: Vec<u8> = (0..7)
            .map(|i| ((self.0 as u64) >> (8 * (6 - i))) as u8)
            .take_while(|b| *b != 0)
            .collect();
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    fn is_no_rate(self) -> bool {
        (self.0 as u64) & TAG_MASK == TAG
    }

    /// The 8-byte form the report cache stores.
    pub(crate) fn packed(self) -> i64 {
        self.0
    }
    pub(crate) fn from_packed(v: i64) -> Money {
        Money(v)
    }
}

impl From<i64> for Money {
    fn from(c: i64) -> Money {
        Money::cents(c)
    }
}

impl std::fmt::Debug for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.missing_currency() {
            Some(c) => write!(f, "NoRate({c})"),
            None => write!(f, "{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_missing_currencies_round_trip() {
        for c in [0, 1, -1, 12_345_678_900, i64::MAX, -5_000] {
            assert_eq!(Money::cents(c).known(), Some(c));
            assert_eq!(Money::cents(c).missing_currency(), None);
        }
        let m = Money::no_rate("KZT");
        assert_eq!(m.known(), None);
        assert_eq!(m.or_zero(), 0);
        assert_eq!(m.missing_currency().as_deref(), Some("KZT"));
        assert_eq!(Money::from_packed(m.packed()), m);
        assert_eq!(
            Money::no_rate("ABCDEFGHI").missing_currency().as_deref(),
            Some("ABCDEFG")
        );
        // The lowest amounts are clamped, never read as a missing rate.
        assert!(Money::cents(i64::MIN).known().is_some());
    }
}
