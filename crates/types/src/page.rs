//! Pagination bounds shared by every list.

/// A validated page request: a 1-based page number and a page size within bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    number: u32,
    size: u32,
}

/// Why a page request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// The page number is not a whole number of at least 1.
    #[error("must be a whole number of at least 1")]
    InvalidPage,
    /// The page size is not a whole number from 1 to the maximum.
    #[error("must be a whole number from 1 to {0}")]
    InvalidSize(u32),
}

impl PageError {
    /// Returns the name of the offending query parameter: `page` or `page_size`.
    pub fn field(&self) -> &'static str {
        match self {
            Self::InvalidPage => "page",
            Self::InvalidSize(_) => "page_size",
        }
    }
}

impl Page {
    /// Page size when none is asked for.
    pub const DEFAULT_SIZE: u32 = 24;
    /// Largest page size a caller may ask for.
    pub const MAX_SIZE: u32 = 100;
    /// Highest page number accepted; beyond it offsets would be absurd.
    pub const MAX_NUMBER: u32 = 1_000_000;

    /// Builds a page from wire values, where 0 means "the default".
    ///
    /// # Errors
    /// [`PageError`] when the size exceeds [`Page::MAX_SIZE`] or the number [`Page::MAX_NUMBER`].
    pub fn from_wire(number: u32, size: u32) -> Result<Self, PageError> {
        let number = if number == 0 { 1 } else { number };
        let size = if size == 0 { Self::DEFAULT_SIZE } else { size };
        if number > Self::MAX_NUMBER {
            return Err(PageError::InvalidPage);
        }
        if size > Self::MAX_SIZE {
            return Err(PageError::InvalidSize(Self::MAX_SIZE));
        }
        Ok(Self { number, size })
    }

    /// Parses query-string values (absent means the default), e.g. `page=2&page_size=12`.
    ///
    /// # Errors
    /// [`PageError`] for non-numeric, zero, negative or out-of-range values.
    pub fn from_query(number: Option<&str>, size: Option<&str>) -> Result<Self, PageError> {
        let number = match number.map(str::trim) {
            None | Some("") => 1,
            Some(text) => {
                text.parse::<u32>().ok().filter(|n| *n >= 1).ok_or(PageError::InvalidPage)?
            }
        };
        let size = match size.map(str::trim) {
            None | Some("") => Self::DEFAULT_SIZE,
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=Self::MAX_SIZE).contains(n))
                .ok_or(PageError::InvalidSize(Self::MAX_SIZE))?,
        };
        Self::from_wire(number, size)
    }

    /// Returns the 1-based page number.
    pub const fn number(&self) -> u32 {
        self.number
    }

    /// Returns the page size.
    pub const fn size(&self) -> u32 {
        self.size
    }

    /// Returns how many items come before this page.
    pub fn offset(&self) -> i64 {
        i64::from(self.number - 1) * i64::from(self.size)
    }

    /// Returns the page size as a SQL `LIMIT`.
    pub fn limit(&self) -> i64 {
        i64::from(self.size)
    }

    /// Describes this page within a list of `total_items`.
    pub fn info(&self, total_items: u64) -> PageInfo {
        let size = u64::from(self.size);
        let total_pages = u32::try_from(total_items.div_ceil(size)).unwrap_or(u32::MAX);
        PageInfo { page: self.number, page_size: self.size, total_items, total_pages }
    }
}

impl Default for Page {
    fn default() -> Self {
        Self { number: 1, size: Self::DEFAULT_SIZE }
    }
}

/// Where a page sits in a whole list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageInfo {
    /// 1-based page number.
    pub page: u32,
    /// Items per page.
    pub page_size: u32,
    /// Items in the whole list.
    pub total_items: u64,
    /// Pages in the whole list.
    pub total_pages: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_to_absent_and_zero_values() {
        assert_eq!(Page::from_query(None, None).unwrap(), Page::default());
        assert_eq!(Page::from_wire(0, 0).unwrap(), Page::default());
        assert_eq!(Page::from_query(Some("3"), Some("12")).unwrap().offset(), 24);
    }

    #[test]
    fn rejects_out_of_bounds_and_non_numeric_values() {
        assert_eq!(Page::from_query(Some("-1"), None), Err(PageError::InvalidPage));
        assert_eq!(Page::from_query(Some("0"), None), Err(PageError::InvalidPage));
        assert_eq!(Page::from_query(Some("two"), None), Err(PageError::InvalidPage));
        assert_eq!(Page::from_query(Some("99999999999"), None), Err(PageError::InvalidPage));
        assert_eq!(Page::from_query(None, Some("1000000000")), Err(PageError::InvalidSize(100)));
        assert_eq!(Page::from_query(None, Some("0")), Err(PageError::InvalidSize(100)));
        assert_eq!(Page::from_wire(1, 101), Err(PageError::InvalidSize(100)));
    }

    #[test]
    fn info_counts_pages() {
        let page = Page::from_wire(2, 10).unwrap();
        assert_eq!(page.info(0).total_pages, 0);
        assert_eq!(page.info(10).total_pages, 1);
        assert_eq!(page.info(11).total_pages, 2);
    }
}
