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
use std::marker::PhantomData;

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

/// A JSON value as requests use it: an object (its members), an array of `T`, or anything
/// else (a scalar), which is neither a row nor a request.
#[derive(Debug, PartialEq)]
pub enum Json<'a, T> {
    Object(Members<'a>),
    Array(Vec<T>),
    Other,
}

/// One row: an object (by name) or an array of values (model column order).
pub type Row<'a> = Json<'a, Value>;

/// A whole JSON body: an object (a ScoreRequest or one row) or an array of rows.
pub type Body<'a> = Json<'a, Row<'a>>;

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

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Json<'de, T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor(PhantomData))
    }
}

struct JsonVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for JsonVisitor<T> {
    type Value = Json<'de, T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON row or request")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        members(map).map(Json::Object)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    // A JSON scalar is never a row nor a request.
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Json::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Json::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Json::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Json::Other)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Json::Other)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Other)
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
            Body::Array(vec![
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
