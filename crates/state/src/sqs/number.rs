//! SQS's `Number` attribute values: a decimal (sign, digits, optional fraction and exponent)
//! of at most 38 significant digits whose magnitude lies between 10^-128 and 10^+126, as the
//! SQS developer guide defines them. `1e99999`, `NaN` and `inf` are not numbers there.

/// Whether `s` is a number SQS accepts.
pub fn is_valid(s: &str) -> bool {
    let s = s.trim();
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let exponent: i64 = match exponent {
        None => 0,
        Some(e) => match e.strip_prefix(['+', '-']).unwrap_or(e) {
            d if !d.is_empty() && d.len() <= 6 && d.bytes().all(|b| b.is_ascii_digit()) => {
                let v: i64 = d.parse().unwrap_or(i64::MAX);
                if e.starts_with('-') {
                    -v
                } else {
                    v
                }
            }
            _ => return false,
        },
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits = format!("{int}{frac}");
    let leading = digits.bytes().take_while(|&b| b == b'0').count();
    if leading == digits.len() {
        return true; // zero
    }
    let significant = digits[leading..].trim_end_matches('0').len();
    // The value is 0.ddd × 10^point: its leading digit stands for 10^(point - 1).
    let point = int.len() as i64 - leading as i64 + exponent;
    significant <= 38 && (-128..=126).contains(&(point - 1))
}

#[cfg(test)]
mod tests {
    use super::is_valid;

    #[test]
    fn sqs_numbers() {
        for ok in ["0", "-1", "+1.5", "1e10", "1E-5", ".5", "5.", "1e126", "1e-128", "0e99999", &"9".repeat(38)] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "1e99999",
            "1e127",
            "1e-129",
            "NaN",
            "inf",
            "-infinity",
            "",
            "-",
            "1e",
            "1.2.3",
            "0x10",
            &"9".repeat(39),
            "1e9999999999",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}
