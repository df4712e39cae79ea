//! Identity's domain: accounts and their validation, password hashing, and the sign-in throttle
//! policy. Nothing here does I/O (hashing is pure CPU work; callers move it off async threads).

mod account;
mod password;
mod throttle;

pub use account::{NewAccount, User, parse_name};
pub use password::{
    hash_password, release_hashing_memory, verify_against_nothing, verify_password,
};
pub use throttle::{Throttle, ThrottleKind};
