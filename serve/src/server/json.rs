//! JSON request bodies read as rows, without building serde_json's maps.
//!
//! A row object's members are kept in the order given, their names borrowed from the body
//! (copied only when they hold escapes), their values as [`Value`]s. serde_json's own
//! `Value::Object` is a B-tree of owned names: for a one-row request, building and
//! dropping it cost more than scoring the row. What this reads is what
//! `serde_json::from_slice::<Value>` reads (the same parser, numbers included); only the
//! shape of the result differs. A name given twice is kept twice, in order, so that the
//! last one wins where the members are applied one by one, as it does in a map.
//!
//! This does not read ScoreRequests any faster: [`Members::into_map`] hands them on as the
//! map the ScoreRequest code reads.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// An object's members, in order.
#[derive(Debug, Default, PartialEq)]
pub struct Members<'a>(pub Vec<(Cow<'a, str>, Value)>);

impl Members<'_> {
    /// The value of the last member named `name` (as a map would hold it).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The members as serde_json's map (later names replace earlier ones).
    pub fn into_map(self) -> Map<String, Value> {
        self.0
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v))
            .collect()
    }
}

/// One row: an object (by name), an array (model column order), or anything else, which
/// is not a row.
#[derive(Debug, PartialEq)]
pub enum Row<'a> {
    Object(Members<'a>),
    Array(Vec<Value>),
    Other,
}

/// A whole JSON body: an object (a ScoreRequest or one row), an array of rows, or anything
/// else, which is not a request.
#[derive(Debug, PartialEq)]
pub enum Body<'a> {
    Object(Members<'a>),
    Rows(Vec<Row<'a>>),
    Other,
}

/// A member name, borrowed when the body holds it without escapes.
struct Name<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(s)))
            }
        }
        d.deserialize_str(NameVisitor)
    }
}

fn members<'de, A: MapAccess<'de>>(mut map: A) -> Result<Members<'de>, A::Error> {
    let mut out = Vec::new();
    while let Some(Name(name)) = map.next_key()? {
        out.push((name, map.next_value()?));
    }
    Ok(Members(out))
}

/// Implements the scalar visits (a JSON scalar is never a row nor a request) as `$other`.
macro_rules! scalars_are {
    ($other:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($other)
        }
    };
}

impl<'de> Deserialize<'de> for Row<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RowVisitor;
        impl<'de> Visitor<'de> for RowVisitor {
            type Value = Row<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a row")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Row<'de>, A::Error> {
                members(map).map(Row::Object)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Row<'de>, A::Error> {
                let mut values = Vec::new();
                while let Some(v) = seq.next_element()? {
                    values.push(v);
                }
                Ok(Row::Array(values))
            }
            scalars_are!(Row::Other);
        }
        d.deserialize_any(RowVisitor)
    }
}

impl<'de> Deserialize<'de> for Body<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct BodyVisitor;
        impl<'de> Visitor<'de> for BodyVisitor {
            type Value = Body<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON request")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Body<'de>, A::Error> {
                members(map).map(Body::Object)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Body<'de>, A::Error> {
                let mut rows = Vec::new();
                while let Some(row) = seq.next_element()? {
                    rows.push(row);
                }
                Ok(Body::Rows(rows))
            }
            scalars_are!(Body::Other);
        }
        d.deserialize_any(BodyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(text: &str) -> Body<'_> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn objects_keep_their_members_in_order_and_borrow_plain_names() {
        let Body::Object(m) = body(r#"{"b": 1.5, "a\u0041": "x", "b": null}"#) else {
            panic!("an object");
        };
        assert_eq!(m.0.len(), 3);
        assert!(matches!(m.0[0].0, Cow::Borrowed("b")));
        assert!(matches!(&m.0[1].0, Cow::Owned(s) if s == "aA"));
        assert_eq!(
            m.get("b"),
            Some(&Value::Null),
            "the last of a repeated name"
        );
        assert_eq!(
            m.into_map(),
            json!({"b": null, "aA": "x"}).as_object().unwrap().clone()
        );
    }

    #[test]
    fn arrays_are_rows_and_scalars_are_not() {
        assert_eq!(
            body(r#"[{"x": 1}, [1, "a", null], 7, "s", true, null]"#),
            Body::Rows(vec![
                Row::Object(Members(vec![(Cow::Borrowed("x"), json!(1))])),
                Row::Array(vec![json!(1), json!("a"), Value::Null]),
                Row::Other,
                Row::Other,
                Row::Other,
                Row::Other,
            ])
        );
        for scalar in ["1", "-2", "0.5", "\"text\"", "false", "null"] {
            assert_eq!(body(scalar), Body::Other, "{scalar}");
        }
    }

    #[test]
    fn numbers_read_as_serde_json_reads_them() {
        let text = r#"{"a": 0.1, "b": 1e300, "c": -0.0, "d": 18446744073709551615, "e": 2.2250738585072011e-308}"#;
        let Body::Object(m) = body(text) else {
            panic!("an object");
        };
        let reference: Value = serde_json::from_str(text).unwrap();
        for (name, value) in &m.0 {
            assert_eq!(Some(value), reference.get(name.as_ref()), "{name}");
        }
    }

    #[test]
    fn bad_json_is_an_error() {
        for text in ["{", "[1,]", "{\"a\" 1}", "{} x", "", "{\"a\": 1e400}"] {
            assert!(serde_json::from_str::<Body<'_>>(text).is_err(), "{text}");
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
        }
    }
}
