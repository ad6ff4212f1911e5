//! SAML's instants: `xs:dateTime` in UTC (`2026-01-02T03:04:05Z`, optional
//! fractional seconds, or an explicit `±hh:mm` offset) to Unix milliseconds,
//! and back for the AuthnRequest's IssueInstant. Anything else is refused,
//! never guessed.

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn number(text: &str) -> Option<i64> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// Parse an `xs:dateTime` with a time zone into Unix milliseconds.
pub fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = text.split_once('T')?;
    let mut parts = date.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d) = (number(y)?, number(m)?, number(d)?);
    let (clock, offset_min) = if let Some(clock) = time.strip_suffix('Z') {
        (clock, 0)
    } else {
        let split = time.len().checked_sub(6)?;
        let (clock, zone) = time.split_at(split);
        let sign = match zone.as_bytes().first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let (h, mi) = zone[1..].split_once(':')?;
        (clock, sign * (number(h)? * 60 + number(mi)?))
    };
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (clock, None),
    };
    let mut hms = hms.split(':');
    let (h, mi, s) = (hms.next()?, hms.next()?, hms.next()?);
    if hms.next().is_some() || h.len() != 2 || mi.len() != 2 || s.len() != 2 {
        return None;
    }
    let (h, mi, s) = (number(h)?, number(mi)?, number(s)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let millis = match fraction {
        Some(f) => {
            number(f)?;
            let digits: String = f.chars().chain("000".chars()).take(3).collect();
            number(&digits)?
        }
        None => 0,
    };
    let seconds = days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + s - offset_min * 60;
    Some(seconds * 1000 + millis)
}

/// Format Unix milliseconds as `YYYY-MM-DDThh:mm:ssZ`.
pub fn format(unix_ms: u64) -> String {
    let secs = i64::try_from(unix_ms / 1000).unwrap_or(i64::MAX / 2);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utc_fractions_and_offsets() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse("2026-11-26T11:17:27Z"), Some(1_795_691_847_000));
        assert_eq!(parse("2026-11-26T11:17:27.5Z"), Some(1_795_691_847_500));
        assert_eq!(parse("2026-11-26T11:17:27.123456Z"), Some(1_795_691_847_123));
        assert_eq!(parse("2026-11-26T12:17:27+01:00"), Some(1_795_691_847_000));
        assert_eq!(parse("2026-11-26T10:17:27-01:00"), Some(1_795_691_847_000));
    }

    #[test]
    fn refuses_what_is_not_a_zoned_date_time() {
        for bad in [
            "",
            "2026-11-26",
            "2026-11-26T11:17:27",
            "2026-13-26T11:17:27Z",
            "26-11-26T11:17:27Z",
            "2026-11-26T11:17Z",
            "2026-11-26T11:17:27.Z",
            "2026-11-26T11:17:27+0100",
            "2026-11-26T1a:17:27Z",
            "+2026-11-26T11:17:27Z",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_round_trip() {
        assert_eq!(format(1_795_691_847_999), "2026-11-26T11:17:27Z");
        assert_eq!(parse(&format(951_782_400_000)), Some(951_782_400_000)); // 2000-02-29
    }
}
