//! RA7xx: crictl.

mod common;
mod ra701;
mod ra702;
mod ra703;

use crate::engine::Rule;

pub static RULES: &[&Rule] = &[&ra701::RULE, &ra702::RULE, &ra703::RULE];
