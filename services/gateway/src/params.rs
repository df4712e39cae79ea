//! Query-string parameters shared by storefront pages and the API, parsed into checked values
//! with a message saying exactly what is wrong.

use axum::{extract::FromRequestParts, http::request::Parts};
use bazaar_contracts::catalog::ProductSort;
use bazaar_types::{Page, Slug};
use serde::{Deserialize, de::DeserializeOwned};

use crate::error::{ApiError, AppError, PageError};

/// A page's query string read into `T`; a malformed one (a parameter given twice) is answered
/// with a 400 page naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageQuery<T>(pub T);

/// An API query string read into `T`; a malformed one is answered with a 400 JSON problem.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        read_query(parts).map(Self).map_err(PageError)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        read_query(parts).map(Self).map_err(ApiError)
    }
}

fn read_query<T: DeserializeOwned>(parts: &Parts) -> Result<T, AppError> {
    let axum::extract::Query(value) =
        axum::extract::Query::try_from_uri(&parts.uri).map_err(|rejection| {
            let text = rejection.body_text();
            let detail = text.split_once(": ").map_or(text.as_str(), |(_, detail)| detail);
            match detail.strip_prefix("duplicate field `").and_then(|rest| rest.strip_suffix('`')) {
                Some(field) => AppError::invalid(field, "must be given once".to_owned()),
                None => AppError::invalid("query", detail.to_owned()),
            }
        })?;
    Ok(value)
}

/// Parameters of product lists. Every value arrives as text so bad input gets our own message
/// rather than a generic deserialisation error.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only products of this category (slug).
    pub category: Option<String>,
    /// Search words, matched in names and descriptions; results are ranked.
    pub q: Option<String>,
    /// Order: `name` (default), `price_asc`, `price_desc` or `newest`. Ignored when searching.
    #[param(pattern = "^(name|price_asc|price_desc|newest)?$")]
    pub sort: Option<String>,
    /// 1-based page number (default 1).
    #[param(value_type = Option<u32>, minimum = 1)]
    pub page: Option<String>,
    /// Items per page, 1 to 100 (default 24).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub page_size: Option<String>,
}

impl ListParams {
    /// Returns the checked page.
    ///
    /// # Errors
    /// 400 naming `page` or `page_size`.
    pub fn page(&self) -> Result<Page, AppError> {
        Page::from_query(self.page.as_deref(), self.page_size.as_deref())
            .map_err(|error| AppError::invalid(error.field(), error.to_string()))
    }

    /// Returns the checked sort order.
    ///
    /// # Errors
    /// 400 naming `sort`.
    pub fn sort(&self) -> Result<ProductSort, AppError> {
        match self.sort.as_deref().map(str::trim) {
            None | Some("" | "name") => Ok(ProductSort::Name),
            Some("price_asc") => Ok(ProductSort::PriceAsc),
            Some("price_desc") => Ok(ProductSort::PriceDesc),
            Some("newest") => Ok(ProductSort::Newest),
            Some(_) => {
                Err(AppError::invalid("sort", "must be one of name, price_asc, price_desc, newest"))
            }
        }
    }

    /// Returns the checked category, if any.
    ///
    /// # Errors
    /// 400 naming `category`.
    pub fn category(&self) -> Result<Option<String>, AppError> {
        match self.category.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => Slug::parse(text)
                .map(|slug| Some(slug.to_string()))
                .map_err(|error| AppError::invalid("category", error.to_string())),
        }
    }

    /// Returns the search text, if any non-blank one was given.
    pub fn query(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }
}

/// Returns the wire name of a sort order, as used in URLs.
pub fn sort_name(sort: ProductSort) -> &'static str {
    match sort {
        ProductSort::Unspecified | ProductSort::Name => "name",
        ProductSort::PriceAsc => "price_asc",
        ProductSort::PriceDesc => "price_desc",
        ProductSort::Newest => "newest",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(page: Option<&str>, page_size: Option<&str>, sort: Option<&str>) -> ListParams {
        ListParams {
            page: page.map(Into::into),
            page_size: page_size.map(Into::into),
            sort: sort.map(Into::into),
            ..ListParams::default()
        }
    }

    #[test]
    fn rejects_bad_pages_with_the_field_named() {
        for (page, size, field) in [
            (Some("-1"), None, "page"),
            (Some("abc"), None, "page"),
            (None, Some("1000000000"), "page_size"),
            (None, Some("ten"), "page_size"),
        ] {
            let error = params(page, size, None).page().unwrap_err();
            assert_eq!(error.status(), http::StatusCode::BAD_REQUEST);
            assert!(error.fields().unwrap().message_for(field).is_some(), "{field}");
        }
        assert_eq!(params(Some("2"), Some("10"), None).page().unwrap().offset(), 10);
    }

    #[test]
    fn rejects_unknown_sorts() {
        assert_eq!(params(None, None, Some("price_desc")).sort().unwrap(), ProductSort::PriceDesc);
        assert!(params(None, None, Some("random")).sort().is_err());
    }
}
