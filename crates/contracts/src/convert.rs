//! Conversions between the shared wire types of `bazaar.common.v1` and the domain types of
//! `bazaar-types`, so every service converts them the same way.

use bazaar_types::{
    Address, Currency, FieldErrors, Money, Page, PageInfo, address::AddressInput, page::PageError,
};

use crate::common;

impl From<Money> for common::Money {
    fn from(money: Money) -> Self {
        Self { amount_minor: money.amount_minor(), currency: money.currency().as_str().to_owned() }
    }
}

impl TryFrom<&common::Money> for Money {
    type Error = bazaar_types::money::MoneyError;

    fn try_from(money: &common::Money) -> Result<Self, Self::Error> {
        Ok(Self::new(money.amount_minor, Currency::parse(&money.currency)?))
    }
}

impl From<PageInfo> for common::PageInfo {
    fn from(info: PageInfo) -> Self {
        Self {
            page: info.page,
            page_size: info.page_size,
            total_items: info.total_items,
            total_pages: info.total_pages,
        }
    }
}

impl From<&common::PageInfo> for PageInfo {
    fn from(info: &common::PageInfo) -> Self {
        Self {
            page: info.page,
            page_size: info.page_size,
            total_items: info.total_items,
            total_pages: info.total_pages,
        }
    }
}

impl From<Page> for common::PageRequest {
    fn from(page: Page) -> Self {
        Self { page: page.number(), page_size: page.size() }
    }
}

/// Reads an optional page request (absent means the first page of default size).
///
/// # Errors
/// [`PageError`] when the size or number is out of bounds.
pub fn page(request: Option<&common::PageRequest>) -> Result<Page, PageError> {
    request.map_or(Ok(Page::default()), |request| Page::from_wire(request.page, request.page_size))
}

impl From<&Address> for common::Address {
    fn from(address: &Address) -> Self {
        Self {
            name: address.name.clone(),
            line1: address.line1.clone(),
            line2: address.line2.clone().unwrap_or_default(),
            city: address.city.clone(),
            postal_code: address.postal_code.clone(),
            country: address.country.code().to_owned(),
        }
    }
}

impl TryFrom<&common::Address> for Address {
    type Error = FieldErrors;

    fn try_from(address: &common::Address) -> Result<Self, FieldErrors> {
        Self::parse(&AddressInput {
            name: &address.name,
            line1: &address.line1,
            line2: &address.line2,
            city: &address.city,
            postal_code: &address.postal_code,
            country: &address.country,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_round_trips() {
        let money = Money::new(1999, Currency::USD);
        let wire = common::Money::from(money);
        assert_eq!(Money::try_from(&wire).unwrap(), money);
        assert!(
            Money::try_from(&common::Money { amount_minor: 1, currency: "??".into() }).is_err()
        );
    }

    #[test]
    fn pages_default_and_bound() {
        assert_eq!(page(None).unwrap(), Page::default());
        assert!(page(Some(&common::PageRequest { page: 1, page_size: 1000 })).is_err());
    }
}
