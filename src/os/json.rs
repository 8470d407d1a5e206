//! The flat JSON objects the helper reads and writes (`credential_process`
//! output): the top-level members of one object, nested values skipped on
//! reading. Read and written with the AWS SDK's own JSON tokenizer and
//! writer, so that every string is escaped as JSON requires. Pure; errors
//! name no value. The strings may be keys: they are wiped when dropped.

use aws_smithy_json::deserialize::token::skip_value;
use aws_smithy_json::deserialize::{Token, json_token_iter};
use aws_smithy_json::serialize::JsonObjectWriter;
use aws_smithy_types::Number;
use zeroize::Zeroizing;

/// A top-level member's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(Zeroizing<String>),
    Number(f64),
    Bool(bool),
    Null,
    /// An object or array, not read.
    Nested,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a JSON object")]
pub struct NotAnObject;

/// One object of string and whole-number members, in order, on one line.
pub fn write_object(members: &[(&str, Member)]) -> Zeroizing<String> {
    // Room for every character escaped, so that the text never moves and
    // leaves no copy behind.
    let size: usize = members
        .iter()
        .map(|(key, value)| match value {
            Member::Text(text) => key.len() + 6 * text.len() + 8,
            Member::Whole(_) => key.len() + 28,
        })
        .sum();
    let mut text = Zeroizing::new(String::with_capacity(size + 2));
    let mut object = JsonObjectWriter::new(&mut text);
    for (key, value) in members {
        match value {
            Member::Text(text) => object.key(key).string(text),
            Member::Whole(number) => object.key(key).number(Number::PosInt(*number)),
        }
    }
    object.finish();
    text
}

/// A member [`write_object`] writes.
#[derive(Debug, Clone, Copy)]
pub enum Member<'a> {
    Text(&'a str),
    Whole(u64),
}

/// The members of the one JSON object `bytes` holds, in order.
pub fn object(bytes: &[u8]) -> Result<Vec<(String, Value)>, NotAnObject> {
    let mut tokens = json_token_iter(bytes).peekable();
    let mut members = Vec::new();
    let Some(Ok(Token::StartObject { .. })) = tokens.next() else {
        return Err(NotAnObject);
    };
    loop {
        let key = match tokens.next() {
            Some(Ok(Token::EndObject { .. })) => break,
            Some(Ok(Token::ObjectKey { key, .. })) => {
                key.to_unescaped().map_err(|_| NotAnObject)?.into_owned()
            }
            _ => return Err(NotAnObject),
        };
        let value = match tokens.peek() {
            Some(Ok(Token::ValueString { value, .. })) => {
                let text = value.to_unescaped().map_err(|_| NotAnObject)?;
                Value::String(Zeroizing::new(text.into_owned()))
            }
            Some(Ok(Token::ValueNumber { value, .. })) => Value::Number(value.to_f64_lossy()),
            Some(Ok(Token::ValueBool { value, .. })) => Value::Bool(*value),
            Some(Ok(Token::ValueNull { .. })) => Value::Null,
            Some(Ok(Token::StartObject { .. } | Token::StartArray { .. })) => Value::Nested,
            _ => return Err(NotAnObject),
        };
        if value == Value::Nested {
            skip_value(&mut tokens).map_err(|_| NotAnObject)?;
        } else {
            tokens.next();
        }
        members.push((key, value));
    }
    match tokens.next() {
        None => Ok(members),
        Some(_) => Err(NotAnObject),
    }
}

/// The string member `key`, if there is one.
pub fn string<'a>(members: &'a [(String, Value)], key: &str) -> Option<&'a str> {
    members.iter().find_map(|(name, value)| match value {
        Value::String(text) if name == key => Some(text.as_str()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_objects_read_back_with_every_string_escaped() {
        let tricky = "a\"b\\c\nd\u{1}é/";
        let text = write_object(&[("Version", Member::Whole(1)), ("Key", Member::Text(tricky))]);
        assert!(!text.contains('\n'), "{}", *text);
        assert_eq!(
            object(text.as_bytes()).unwrap(),
            [
                ("Version".to_owned(), Value::Number(1.0)),
                ("Key".to_owned(), Value::String(tricky.to_owned().into())),
            ]
        );
    }

    #[test]
    fn reads_the_top_level_members() {
        let members =
            object(br#" {"Version": 1, "A": "x\"y", "N": null, "O": {"k": [1, 2]}, "B": true} "#)
                .unwrap();
        assert_eq!(
            members,
            [
                ("Version".into(), Value::Number(1.0)),
                ("A".into(), Value::String("x\"y".to_owned().into())),
                ("N".into(), Value::Null),
                ("O".into(), Value::Nested),
                ("B".into(), Value::Bool(true)),
            ]
        );
        assert_eq!(string(&members, "A"), Some("x\"y"));
        assert_eq!(string(&members, "Version"), None);
    }

    #[test]
    fn anything_but_one_object_is_refused() {
        for text in [&b""[..], b"[]", b"{", b"{\"a\":1} {}", b"\"s\"", b"{\"a\"}"] {
            assert_eq!(object(text), Err(NotAnObject), "{text:?}");
        }
    }
}
