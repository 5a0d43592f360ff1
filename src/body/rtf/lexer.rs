//! A streaming RTF tokenizer ([MSFT-RTF] "RTF Syntax": control words,
//! control symbols, groups, `\binN` data and text).
//!
//! The tokenizer never allocates: tokens borrow the input. Every number it
//! reads is bounded (control words up to 32 letters, parameters up to 10
//! digits within `i32`), `\binN` must fit in the remaining input, and groups
//! nest at most [`MAX_GROUP_DEPTH`] deep. A `}` with no open group is dropped
//! (lenient, as Word does); what follows the close of the outermost group is
//! still tokenized, and the interpreters stop there.
//!
//! [MSFT-RTF]: https://go.microsoft.com/fwlink/?LinkId=120924

use super::{RtfError, MAX_GROUP_DEPTH};

/// One RTF token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'a> {
    /// `{`
    GroupStart,
    /// `}` closing an open group.
    GroupEnd,
    /// `\name` or `\nameN` (the delimiting space, if any, is consumed).
    ControlWord {
        /// The letters after the backslash (ASCII, 1 to 32 of them).
        name: &'a str,
        /// The signed numeric parameter, if present.
        param: Option<i32>,
    },
    /// A backslash and one non-letter, other than `\'` (for example `\{`,
    /// `\\`, `\~`, `\*`). A backslash before CR or LF is reported as the
    /// control word `\par`, as MSFT-RTF says.
    ControlSymbol(u8),
    /// `\'hh`: one byte given in hexadecimal.
    HexByte(u8),
    /// The bytes of a `\binN`.
    Binary(&'a [u8]),
    /// A run of text bytes: no `\`, `{`, `}`, CR or LF (CR and LF are not text
    /// in RTF and are skipped).
    Text(&'a [u8]),
}

/// Tokenizer over the bytes of an RTF document.
#[derive(Debug, Clone)]
pub struct Lexer<'a> {
    input: &'a [u8],
    pos: usize,
    depth: usize,
}

const MAX_NAME: usize = 32;
const MAX_DIGITS: usize = 10;

impl<'a> Lexer<'a> {
    /// A tokenizer at the start of `input`.
    pub fn new(input: &'a [u8]) -> Self {
        Lexer {
            input,
            pos: 0,
            depth: 0,
        }
    }

    /// How many groups are open after the last token returned.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The next token and the offset at which it starts, `None` at the end of
    /// the input.
    ///
    /// # Errors
    ///
    /// [`RtfError::GroupTooDeep`], [`RtfError::ControlWordTooLong`],
    /// [`RtfError::ParameterOutOfRange`], [`RtfError::BinPastEnd`],
    /// [`RtfError::BadHexEscape`], [`RtfError::TrailingBackslash`].
    pub fn next_token(&mut self) -> Result<Option<(usize, Token<'a>)>, RtfError> {
        loop {
            let start = self.pos;
            let Some(&b) = self.input.get(start) else {
                return Ok(None);
            };
            match b {
                b'{' => {
                    self.pos += 1;
                    if self.depth >= MAX_GROUP_DEPTH {
                        return Err(RtfError::GroupTooDeep { offset: start });
                    }
                    self.depth += 1;
                    return Ok(Some((start, Token::GroupStart)));
                }
                b'}' => {
                    self.pos += 1;
                    if self.depth == 0 {
                        continue;
                    }
                    self.depth -= 1;
                    return Ok(Some((start, Token::GroupEnd)));
                }
                b'\\' => return self.escape(start).map(|t| Some((start, t))),
                b'\r' | b'\n' => self.pos += 1,
                _ => {
                    let len = self.input[start..]
                        .iter()
                        .position(|&c| matches!(c, b'\\' | b'{' | b'}' | b'\r' | b'\n'))
                        .unwrap_or(self.input.len() - start);
                    self.pos += len;
                    return Ok(Some((start, Token::Text(&self.input[start..start + len]))));
                }
            }
        }
    }

    fn escape(&mut self, start: usize) -> Result<Token<'a>, RtfError> {
        let Some(&c) = self.input.get(start + 1) else {
            self.pos = self.input.len();
            return Err(RtfError::TrailingBackslash { offset: start });
        };
        if c.is_ascii_alphabetic() {
            return self.control_word(start);
        }
        self.pos = start + 2;
        match c {
            b'\'' => {
                let hex = self
                    .input
                    .get(start + 2..start + 4)
                    .ok_or(RtfError::BadHexEscape { offset: start })?;
                let value = hex_value(hex[0])
                    .zip(hex_value(hex[1]))
                    .ok_or(RtfError::BadHexEscape { offset: start })?;
                self.pos = start + 4;
                Ok(Token::HexByte(value.0 << 4 | value.1))
            }
            b'\r' | b'\n' => Ok(Token::ControlWord {
                name: "par",
                param: None,
            }),
            _ => Ok(Token::ControlSymbol(c)),
        }
    }

    fn control_word(&mut self, start: usize) -> Result<Token<'a>, RtfError> {
        let name_start = start + 1;
        let name_len = self.input[name_start..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        if name_len > MAX_NAME {
            return Err(RtfError::ControlWordTooLong { offset: start });
        }
        let mut pos = name_start + name_len;
        // The letters are ASCII, so this cannot fail.
        let name = std::str::from_utf8(&self.input[name_start..pos]).unwrap_or("");
        let negative = self.input.get(pos) == Some(&b'-') && self.input.get(pos + 1).is_some_and(u8::is_ascii_digit);
        if negative {
            pos += 1;
        }
        let digits = self.input[pos..].iter().take_while(|c| c.is_ascii_digit()).count();
        let param = if digits == 0 {
            None
        } else {
            if digits > MAX_DIGITS {
                return Err(RtfError::ParameterOutOfRange { offset: start });
            }
            let value = self.input[pos..pos + digits]
                .iter()
                .fold(0i64, |v, d| v * 10 + i64::from(d - b'0'));
            let value = if negative { -value } else { value };
            pos += digits;
            Some(i32::try_from(value).map_err(|_| RtfError::ParameterOutOfRange { offset: start })?)
        };
        if self.input.get(pos) == Some(&b' ') {
            pos += 1;
        }
        self.pos = pos;
        if name == "bin" {
            let len = param.unwrap_or(0);
            let remaining = self.input.len() - pos;
            let Ok(n) = usize::try_from(len) else {
                return Err(RtfError::BinPastEnd {
                    offset: start,
                    len: i64::from(len),
                });
            };
            if n > remaining {
                return Err(RtfError::BinPastEnd {
                    offset: start,
                    len: i64::from(len),
                });
            }
            self.pos = pos + n;
            return Ok(Token::Binary(&self.input[pos..pos + n]));
        }
        Ok(Token::ControlWord { name, param })
    }
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(input: &[u8]) -> Result<Vec<Token<'_>>, RtfError> {
        let mut lexer = Lexer::new(input);
        let mut out = Vec::new();
        while let Some((_, t)) = lexer.next_token()? {
            out.push(t);
        }
        Ok(out)
    }

    #[test]
    fn words_symbols_text() {
        let t = tokens(b"{\\rtf1\\ansi\\ansicpg1252 Hi\\'e9\\{x\\par\r\n\\u-3913?\\*\\x-y}").unwrap();
        assert_eq!(
            t,
            vec![
                Token::GroupStart,
                Token::ControlWord {
                    name: "rtf",
                    param: Some(1)
                },
                Token::ControlWord {
                    name: "ansi",
                    param: None
                },
                Token::ControlWord {
                    name: "ansicpg",
                    param: Some(1252)
                },
                Token::Text(b"Hi"),
                Token::HexByte(0xE9),
                Token::ControlSymbol(b'{'),
                Token::Text(b"x"),
                Token::ControlWord {
                    name: "par",
                    param: None
                },
                Token::ControlWord {
                    name: "u",
                    param: Some(-3913)
                },
                Token::Text(b"?"),
                Token::ControlSymbol(b'*'),
                Token::ControlWord { name: "x", param: None },
                Token::Text(b"-y"),
                Token::GroupEnd,
            ]
        );
    }

    #[test]
    fn bin_data_is_bounded() {
        assert_eq!(tokens(b"{\\bin3 a}b}").unwrap()[1], Token::Binary(b"a}b"));
        assert!(matches!(
            tokens(b"{\\bin999999999999 x}"),
            Err(RtfError::ParameterOutOfRange { offset: 1 })
        ));
        assert!(matches!(
            tokens(b"{\\bin999999 x}"),
            Err(RtfError::BinPastEnd { offset: 1, .. })
        ));
        assert!(matches!(tokens(b"{\\bin-5 x}"), Err(RtfError::BinPastEnd { .. })));
    }

    #[test]
    fn bad_escapes() {
        assert_eq!(tokens(b"ab\\'"), Err(RtfError::BadHexEscape { offset: 2 }));
        assert_eq!(tokens(b"ab\\'4"), Err(RtfError::BadHexEscape { offset: 2 }));
        assert_eq!(tokens(b"ab\\'zz"), Err(RtfError::BadHexEscape { offset: 2 }));
        assert_eq!(tokens(b"ab\\"), Err(RtfError::TrailingBackslash { offset: 2 }));
        let long = format!("\\{}", "a".repeat(40));
        assert_eq!(tokens(long.as_bytes()), Err(RtfError::ControlWordTooLong { offset: 0 }));
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let deep = vec![b'{'; 100_000];
        assert_eq!(
            tokens(&deep),
            Err(RtfError::GroupTooDeep {
                offset: MAX_GROUP_DEPTH
            })
        );
    }

    #[test]
    fn stray_close_is_dropped() {
        assert_eq!(
            tokens(b"}}a{}").unwrap(),
            vec![Token::Text(b"a"), Token::GroupStart, Token::GroupEnd]
        );
    }
}
