//! Facts about the audit policy that rules can check (expired exceptions).

use std::fmt;

use super::source::{Span, Spanned};

/// A calendar date (for exception expiry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub(crate) year: i32,
    pub(crate) month: u32,
    pub(crate) day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub(crate) fn parse(s: &str) -> Option<Date> {
        let mut it = s.trim().splitn(3, '-');
        let year: i32 = it.next()?.parse().ok()?;
        let month: u32 = it.next()?.parse().ok()?;
        let day: u32 = it.next()?.parse().ok()?;
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// The civil date of a count of days since 1970-01-01 (proleptic Gregorian).
    pub(crate) fn from_unix_days(days: i64) -> Date {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// An exception from the policy file: findings of `rule` (optionally only in `path`, only
/// for `key`) are not reported, for a stated reason, until `expires`.
#[derive(Clone, Debug)]
pub(crate) struct Exception {
    pub(crate) rule: String,
    pub(crate) path: Option<String>,
    pub(crate) key: Option<String>,
    pub(crate) reason: String,
    pub(crate) expires: Option<Date>,
    /// Where the exception is written in the policy file.
    pub(crate) span: Span,
}

impl Exception {
    pub(crate) fn is_expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|d| d < today)
    }
}

/// The exceptions of the policy file, and today's date to judge their expiry.
#[derive(Clone, Debug, Default)]
pub(crate) struct PolicyFacts {
    /// The policy file, when one was read.
    pub(crate) file: Option<String>,
    /// Rule selectors from the file (`select`, `ignore`), merged with the command line's.
    pub(crate) select: Vec<Spanned<String>>,
    pub(crate) ignore: Vec<Spanned<String>>,
    /// `[severity]` overrides: rule id or name, and the severity.
    pub(crate) severity: Vec<(Spanned<String>, Spanned<String>)>,
    pub(crate) exceptions: Vec<Exception>,
    pub(crate) today: Option<Date>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(20_784).to_string(), "2026-11-27");
        assert_eq!(Date::from_unix_days(11_016).to_string(), "2000-02-29");
        assert!(Date::parse("2027-02-29").is_none());
        assert!(Date::parse("2028-02-29").is_some());
        assert!(Date::parse("2027-13-01").is_none());
        assert!(Date::parse("2027-1-x").is_none());
    }
}
