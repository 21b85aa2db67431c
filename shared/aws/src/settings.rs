//! Environment settings, read once at start-up: a missing or malformed value is an error naming the
//! variable, so a misconfigured function fails its first start instead of its first event.
//!
//! Each function declares its whole configuration as one `&'static [Variable]` list in its crate's
//! `config.rs`. That list is what the function reads (through [`Env`], which refuses a name the
//! list does not declare), what `scripts/check_template.py` checks the SAM template sets, and what
//! `docs/configuration.md` documents (a test in each function crate compares the two).

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SettingError {
    #[error("environment variable {0} is required and must not be empty")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    /// A programming error caught at the first start: the code reads a variable its list omits.
    #[error("environment variable {0} is read but not declared in the function's variable list")]
    Undeclared(&'static str),
}

/// One environment variable a function reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variable {
    pub name: &'static str,
    /// What it is for, as `docs/configuration.md` says it.
    pub meaning: &'static str,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Must be set and not empty.
    Required,
    /// A whole number within `min..=max`, `default` when unset.
    Bounded { default: u64, min: u64, max: u64 },
    /// Comma-separated values; unset or empty is the empty list. The function checks each value.
    List,
    /// Text that may be unset or empty (`None`): an optional feature's setting.
    Optional,
    /// Text, `default` when unset or empty. The function checks the value.
    Text { default: &'static str },
}

impl Variable {
    pub const fn required(name: &'static str, meaning: &'static str) -> Self {
        Variable {
            name,
            meaning,
            kind: Kind::Required,
        }
    }

    pub const fn bounded(
        name: &'static str,
        meaning: &'static str,
        default: u64,
        min: u64,
        max: u64,
    ) -> Self {
        Variable {
            name,
            meaning,
            kind: Kind::Bounded { default, min, max },
        }
    }

    pub const fn list(name: &'static str, meaning: &'static str) -> Self {
        Variable {
            name,
            meaning,
            kind: Kind::List,
        }
    }

    pub const fn optional(name: &'static str, meaning: &'static str) -> Self {
        Variable {
            name,
            meaning,
            kind: Kind::Optional,
        }
    }

    pub const fn text(name: &'static str, meaning: &'static str, default: &'static str) -> Self {
        Variable {
            name,
            meaning,
            kind: Kind::Text { default },
        }
    }

    /// How the documentation table states the variable's rule: `required`,
    /// `default 8 (1 to 64)`, `optional, comma-separated`, `optional`, or `` default `HIGH` ``.
    pub fn rule(&self) -> String {
        match self.kind {
            Kind::Required => "required".to_string(),
            Kind::Bounded { default, min, max } => format!("default {default} ({min} to {max})"),
            Kind::List => "optional, comma-separated".to_string(),
            Kind::Optional => "optional".to_string(),
            Kind::Text { default } => format!("default `{default}`"),
        }
    }
}

/// A function's variable list over a lookup (the process environment, or a map in tests).
pub struct Env<'a> {
    variables: &'static [Variable],
    get: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Env<'a> {
    pub fn new(variables: &'static [Variable], get: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Env { variables, get }
    }

    fn declared(&self, name: &'static str) -> Result<&Variable, SettingError> {
        self.variables
            .iter()
            .find(|v| v.name == name)
            .ok_or(SettingError::Undeclared(name))
    }

    /// A required, non-empty value.
    pub fn required(&self, name: &'static str) -> Result<String, SettingError> {
        self.declared(name)?;
        (self.get)(name)
            .filter(|v| !v.trim().is_empty())
            .ok_or(SettingError::Missing(name))
    }

    /// A whole number within the declared bounds, the declared default when unset.
    pub fn bounded(&self, name: &'static str) -> Result<u64, SettingError> {
        let Kind::Bounded { default, min, max } = self.declared(name)?.kind else {
            return Err(SettingError::Undeclared(name));
        };
        match (self.get)(name) {
            None => Ok(default),
            Some(v) => match v.trim().parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(SettingError::Invalid {
                    name,
                    reason: format!("`{v}` is not a whole number from {min} to {max}"),
                }),
            },
        }
    }
}

impl Env<'_> {
    /// A comma-separated list, each value trimmed; unset or empty is the empty list. An empty
    /// value between commas is refused (a stray comma usually means a value was lost).
    pub fn list(&self, name: &'static str) -> Result<Vec<String>, SettingError> {
        if self.declared(name)?.kind != Kind::List {
            return Err(SettingError::Undeclared(name));
        }
        let Some(text) = (self.get)(name).filter(|v| !v.trim().is_empty()) else {
            return Ok(Vec::new());
        };
        text.split(',')
            .map(|v| match v.trim() {
                "" => Err(SettingError::Invalid {
                    name,
                    reason: format!("`{text}` has an empty value between commas"),
                }),
                v => Ok(v.to_string()),
            })
            .collect()
    }
}

impl Env<'_> {
    /// An optional value, trimmed; unset or empty is `None`.
    pub fn optional(&self, name: &'static str) -> Result<Option<String>, SettingError> {
        if self.declared(name)?.kind != Kind::Optional {
            return Err(SettingError::Undeclared(name));
        }
        Ok((self.get)(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty()))
    }

    /// A text value, trimmed; the declared default when unset or empty.
    pub fn text(&self, name: &'static str) -> Result<String, SettingError> {
        let Kind::Text { default } = self.declared(name)?.kind else {
            return Err(SettingError::Undeclared(name));
        };
        Ok((self.get)(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_string()))
    }
}

/// The process environment, for `from_env` constructors.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VARS: &[Variable] = &[
        Variable::required("ATTEST_A", "a"),
        Variable::bounded("ATTEST_N", "n", 8, 1, 64),
        Variable::list("ATTEST_L", "l"),
        Variable::optional("ATTEST_O", "o"),
        Variable::text("ATTEST_T", "t", "HIGH"),
    ];

    #[test]
    fn optional_and_text_values_are_trimmed_and_blank_is_unset() {
        let get = |k: &str| match k {
            "ATTEST_O" => Some(" arn:x ".to_string()),
            "ATTEST_T" => Some(" LOW".to_string()),
            _ => None,
        };
        let env = Env::new(VARS, &get);
        assert_eq!(env.optional("ATTEST_O").unwrap().as_deref(), Some("arn:x"));
        assert_eq!(env.text("ATTEST_T").unwrap(), "LOW");
        let blank = |_: &str| Some("  ".to_string());
        let env = Env::new(VARS, &blank);
        assert_eq!(env.optional("ATTEST_O").unwrap(), None);
        assert_eq!(env.text("ATTEST_T").unwrap(), "HIGH");
        assert_eq!(
            env.text("ATTEST_O").unwrap_err(),
            SettingError::Undeclared("ATTEST_O")
        );
        assert_eq!(VARS[4].rule(), "default `HIGH`");
        assert_eq!(VARS[3].rule(), "optional");
    }

    #[test]
    fn a_list_is_comma_separated_and_empty_when_unset() {
        let get = |k: &str| (k == "ATTEST_L").then(|| " x , y".to_string());
        assert_eq!(Env::new(VARS, &get).list("ATTEST_L").unwrap(), ["x", "y"]);
        let none = |_: &str| None;
        assert!(Env::new(VARS, &none).list("ATTEST_L").unwrap().is_empty());
        let blank = |_: &str| Some(" ".to_string());
        assert!(Env::new(VARS, &blank).list("ATTEST_L").unwrap().is_empty());
        let stray = |_: &str| Some("x,,y".to_string());
        let err = Env::new(VARS, &stray).list("ATTEST_L").unwrap_err();
        assert!(err.to_string().contains("ATTEST_L"), "{err}");
        assert_eq!(
            Env::new(VARS, &none).list("ATTEST_N").unwrap_err(),
            SettingError::Undeclared("ATTEST_N")
        );
    }

    #[test]
    fn reads_declared_variables_and_names_what_is_wrong() {
        let get = |k: &str| match k {
            "ATTEST_A" => Some("x".to_string()),
            "ATTEST_N" => Some("65".to_string()),
            _ => None,
        };
        let env = Env::new(VARS, &get);
        assert_eq!(env.required("ATTEST_A").unwrap(), "x");
        assert!(env
            .bounded("ATTEST_N")
            .unwrap_err()
            .to_string()
            .contains("1 to 64"));
        assert_eq!(
            env.required("ATTEST_B").unwrap_err(),
            SettingError::Undeclared("ATTEST_B")
        );
        let none = |_: &str| None;
        let env = Env::new(VARS, &none);
        assert_eq!(env.bounded("ATTEST_N").unwrap(), 8);
        assert_eq!(
            env.required("ATTEST_A").unwrap_err(),
            SettingError::Missing("ATTEST_A")
        );
    }
}
