//! The catalog's domain: products and their validation, search queries, sorting and images.
//! Nothing here does I/O.

mod image;
mod product;
mod search;

pub use image::{ProductImage, render_image};
pub use product::{Attribute, Category, Product, ProductDraft, ProductInput, ProductKey, Sort};
pub use search::SearchQuery;
