//! The 18-digit resident identity number (居民身份证号码, GB 11643-1999).

use std::fmt;

use chrono::NaiveDate;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The province-level codes (GB/T 2260) an ID number begins with: the mainland's 31, Taiwan, Hong
/// Kong and Macao (the last three on residence permits).
const PROVINCES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44",
    "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("an ID number has 18 characters")]
    Length,
    #[error("an ID number has 17 digits and a final digit or X")]
    Characters,
    #[error("the birth date in the ID number does not exist")]
    BirthDate,
    #[error("the check digit does not match")]
    CheckDigit,
    #[error("the first two digits name no province")]
    Region,
    #[error("a 15-digit number of the first generation")]
    FifteenDigits,
    #[error("the birth date in the ID number is in the future")]
    FutureBirth,
    #[error("the ID number was stored as a number by a spreadsheet and lost its last digits")]
    TypedAsNumber,
}

impl IdNumberError {
    /// A message a cadre understands.
    pub fn message_zh(self) -> &'static str {
        match self {
            Self::Length => "身份证号应为18位",
            Self::Characters => "身份证号前17位应为数字，最后一位为数字或X",
            Self::BirthDate => "身份证号中的出生日期不存在",
            Self::CheckDigit => "身份证号校验位不正确，请核对",
            Self::Region => "身份证号前两位不是有效的省级行政区划代码，请核对",
            Self::FifteenDigits => {
                "这是15位的一代身份证号，请换算为18位：在第6位后补“19”，再按国家标准补上最后一位校验码（或以户口簿上的18位号码为准）"
            }
            Self::FutureBirth => "身份证号中的出生日期晚于今天，请核对",
            Self::TypedAsNumber => {
                "身份证号被表格存成了数字（显示为科学计数法，后几位已丢失）：请把该列设为“文本”格式后重新录入"
            }
        }
    }
}

/// A validated resident ID number; the only way to build one is [`IdNumber::parse`].
#[derive(Clone, PartialEq, Eq)]
pub struct IdNumber(String);

impl IdNumber {
    /// Parses an ID number, accepting a lower-case `x` and blanks anywhere (as it is often typed in
    /// groups: "500116 19850317 1234").
    pub fn parse(raw: &str) -> Result<Self, IdNumberError> {
        let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        if typed_as_number(&s) {
            return Err(IdNumberError::TypedAsNumber);
        }
        if s.len() == 15 && s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdNumberError::FifteenDigits);
        }
        if s.chars().count() != 18 {
            return Err(IdNumberError::Length);
        }
        let bytes = s.as_bytes();
        if !bytes[..17].iter().all(u8::is_ascii_digit) || !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err(IdNumberError::Characters);
        }
        let year: i32 = s[6..10].parse().map_err(|_| IdNumberError::BirthDate)?;
        let month: u32 = s[10..12].parse().map_err(|_| IdNumberError::BirthDate)?;
        let day: u32 = s[12..14].parse().map_err(|_| IdNumberError::BirthDate)?;
        if year < 1900 || NaiveDate::from_ymd_opt(year, month, day).is_none() {
            return Err(IdNumberError::BirthDate);
        }
        if !PROVINCES.contains(&&s[..2]) {
            return Err(IdNumberError::Region);
        }
        if check_digit(&bytes[..17]) != char::from(bytes[17]) {
            return Err(IdNumberError::CheckDigit);
        }
        Ok(Self(s))
    }

    /// [`IdNumber::parse`], and the birth date no later than `today` (the caller's local date).
    pub fn parse_as_of(raw: &str, today: NaiveDate) -> Result<Self, IdNumberError> {
        let id = Self::parse(raw)?;
        if id.birth_date().is_some_and(|b| b > today) {
            return Err(IdNumberError::FutureBirth);
        }
        Ok(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The masked form shown everywhere: the first 3 and last 4 characters.
    pub fn masked(&self) -> String {
        format!("{}{}{}", &self.0[..3], "*".repeat(11), &self.0[14..])
    }

    pub fn birth_date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").ok()
    }
}

/// A spreadsheet's number in scientific notation ("5.10105E+17", "5.101051980010101E17"): what an
/// ID number becomes when its column was left as numbers; its last digits are gone.
fn typed_as_number(s: &str) -> bool {
    let Some((mantissa, exponent)) = s.split_once('E') else { return false };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    !mantissa.is_empty()
        && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !exponent.is_empty()
        && exponent.chars().all(|c| c.is_ascii_digit())
}

/// Computes the check character of the first 17 digits.
pub fn check_digit(first17: &[u8]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK[(sum % 11) as usize]
}

impl fmt::Debug for IdNumber {
    /// Never prints the full number: logs and panics must not leak it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn an_id_number_a_spreadsheet_stored_as_a_number_says_so() {
        for raw in ["5.10105E+17", "5.101051980010101E17", "5.10105e+17"] {
            assert_eq!(IdNumber::parse(raw), Err(IdNumberError::TypedAsNumber), "{raw}");
        }
        assert!(IdNumberError::TypedAsNumber.message_zh().contains("文本"));
        assert_eq!(IdNumber::parse("E17"), Err(IdNumberError::Length));
    }

    /// A structurally valid number with the right check digit appended.
    fn make(first17: &str) -> String {
        format!("{first17}{}", check_digit(first17.as_bytes()))
    }

    #[test]
    fn a_well_formed_number_with_the_right_check_digit_parses() {
        // The published GB 11643 sample.
        assert!(IdNumber::parse("11010519491231002X").is_ok());
        assert!(IdNumber::parse(" 11010519491231002x ").is_ok());
        assert!(IdNumber::parse(&make("50038119850317123")).is_ok());
    }

    #[test]
    fn a_wrong_check_digit_is_refused() {
        assert_eq!(IdNumber::parse("110105194912310021"), Err(IdNumberError::CheckDigit));
    }

    #[test]
    fn wrong_lengths_and_characters_are_refused() {
        assert_eq!(IdNumber::parse("11010519491231002"), Err(IdNumberError::Length));
        assert_eq!(IdNumber::parse("1101051949123100211"), Err(IdNumberError::Length));
        assert_eq!(IdNumber::parse("1101051949123100X2"), Err(IdNumberError::Characters));
        assert_eq!(IdNumber::parse("１１０１０５１９４９１２３１００２X"), Err(IdNumberError::Characters));
    }

    #[test]
    fn the_29th_of_february_exists_only_in_leap_years() {
        assert!(IdNumber::parse(&make("50038120000229123")).is_ok()); // 2000 is a leap year
        assert_eq!(IdNumber::parse(&make("50038119000229123")), Err(IdNumberError::BirthDate)); // 1900 is not
        assert_eq!(IdNumber::parse(&make("50038120230229123")), Err(IdNumberError::BirthDate));
        assert_eq!(IdNumber::parse(&make("50038120231301123")), Err(IdNumberError::BirthDate));
    }

    #[test]
    fn blanks_anywhere_are_dropped_and_a_region_that_is_no_province_is_refused() {
        assert!(IdNumber::parse("110105 19491231 002X").is_ok());
        assert!(IdNumber::parse("\u{3000}11010519491231002x").is_ok(), "a full-width space too");
        assert_eq!(IdNumber::parse(&make("99010519491231002")), Err(IdNumberError::Region));
        assert_eq!(IdNumber::parse(&make("00010519491231002")), Err(IdNumberError::Region));
    }

    #[test]
    fn a_fifteen_digit_number_is_told_how_to_convert() {
        let e = IdNumber::parse("110105491231002").unwrap_err();
        assert_eq!(e, IdNumberError::FifteenDigits);
        assert!(e.message_zh().contains("18位"));
    }

    #[test]
    fn a_birth_date_after_today_is_refused_and_today_is_not() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        assert!(IdNumber::parse_as_of(&make("50038120261205123"), today).is_ok());
        assert_eq!(IdNumber::parse_as_of(&make("50038120261206123"), today), Err(IdNumberError::FutureBirth));
        // Leap day of a year to come: a real date, still in the future.
        assert_eq!(IdNumber::parse_as_of(&make("50038120280229123"), today), Err(IdNumberError::FutureBirth));
    }

    #[test]
    fn the_mask_keeps_three_leading_and_four_trailing_characters() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "110***********002X");
        assert_eq!(format!("{id:?}"), "IdNumber(110***********002X)");
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31));
    }
}
