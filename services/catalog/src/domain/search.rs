//! Search queries: words matched against product names and descriptions.

use bazaar_types::FieldErrors;

/// A parsed search: up to eight lower-cased words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    words: Vec<String>,
}

impl SearchQuery {
    /// Most words considered; the rest are ignored.
    pub const MAX_WORDS: usize = 8;
    /// Longest query accepted, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Splits a query into distinct lower-case words of letters and digits.
    ///
    /// # Errors
    /// [`FieldErrors`] on `q` when the query is too long or holds no word.
    pub fn parse(text: &str) -> Result<Self, FieldErrors> {
        if text.chars().count() > Self::MAX_CHARS {
            return Err(FieldErrors::single(
                "q",
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        let mut words: Vec<String> = Vec::new();
        for word in text.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty()) {
            let word = word.to_lowercase();
            if !words.contains(&word) {
                words.push(word);
            }
            if words.len() == Self::MAX_WORDS {
                break;
            }
        }
        if words.is_empty() {
            return Err(FieldErrors::single("q", "must contain at least one word"));
        }
        Ok(Self { words })
    }

    /// Returns the words.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Returns a SQL `LIKE` pattern matching text that contains `word`, with `%`, `_` and `\`
    /// escaped (the query uses `ESCAPE '\'`).
    pub fn like_pattern(word: &str) -> String {
        let mut pattern = String::with_capacity(word.len() + 2);
        pattern.push('%');
        for c in word.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        pattern
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_into_distinct_lower_case_words() {
        let query = SearchQuery::parse("  Wool, wool BLANKET! ").unwrap();
        assert_eq!(query.words(), ["wool", "blanket"]);
        assert_eq!(SearchQuery::parse(&"a ".repeat(20)).unwrap().words().len(), 1);
        let many = (0..20).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
        assert_eq!(SearchQuery::parse(&many).unwrap().words().len(), SearchQuery::MAX_WORDS);
    }

    #[test]
    fn rejects_queries_without_words_or_too_long() {
        assert!(SearchQuery::parse("  !!! ").is_err());
        assert!(SearchQuery::parse(&"x".repeat(201)).is_err());
    }

    #[test]
    fn escapes_like_wildcards() {
        assert_eq!(SearchQuery::like_pattern("50%_off"), "%50\\%\\_off%");
    }
}
