//! Phone numbers of households: mainland mobile numbers and landlines with an area code.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a mainland mobile number (11 digits from 13–19) or a landline with area code (e.g. 023-47512345)")]
pub struct PhoneError;

impl PhoneError {
    pub fn message_zh(self) -> &'static str {
        "电话号码格式不正确：手机号为11位，固定电话需带区号（如023-47512345）"
    }
}

/// A validated phone number in a normal form: `13812345678` or `023-47512345`.
#[derive(Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let cleaned: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
        let digits = cleaned.strip_prefix("+86").unwrap_or(&cleaned);
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PhoneError);
        }
        let b = digits.as_bytes();
        if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
            return Ok(Self(digits.to_owned()));
        }
        // Landline: 0 + area code (2–3 more digits) + 7–8 digit local number. Beijing, Shanghai,
        // Tianjin, Chongqing and the big cities have 3-digit codes (010, 02x); others have 4.
        if b.first() == Some(&b'0') && (10..=12).contains(&b.len()) {
            let area = if b[1] == b'1' || b[1] == b'2' { 3 } else { 4 };
            let local = &digits[area..];
            if (7..=8).contains(&local.len()) {
                return Ok(Self(format!("{}-{}", &digits[..area], local)));
            }
        }
        Err(PhoneError)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Masked: a mobile keeps its first 3 and last 4 digits, a landline its area code and last 4.
    pub fn masked(&self) -> String {
        match self.0.split_once('-') {
            Some((area, local)) => format!("{area}-{}{}", "*".repeat(local.len() - 4), &local[local.len() - 4..]),
            None => format!("{}****{}", &self.0[..3], &self.0[7..]),
        }
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn mobiles_are_normalised_and_masked() {
        let p = PhoneNumber::parse("+86 138-1234-5678").unwrap();
        assert_eq!(p.as_str(), "13812345678");
        assert_eq!(p.masked(), "138****5678");
    }

    #[test]
    fn chongqing_landlines_keep_their_area_code() {
        let p = PhoneNumber::parse("023-47512345").unwrap();
        assert_eq!(p.as_str(), "023-47512345");
        assert_eq!(p.masked(), "023-****2345");
        assert_eq!(PhoneNumber::parse("0831-2345678").unwrap().as_str(), "0831-2345678");
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for bad in ["12812345678", "1381234567", "138123456789", "abc", "", "023-123", "11012345678"] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
    }
}
