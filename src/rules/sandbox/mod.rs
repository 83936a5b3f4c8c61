//! RA3xx: the sandbox (pause) image.

mod image_ref;
mod ra301;
mod ra302;
mod ra303;
mod ra304;

use crate::engine::Rule;

pub static RULES: &[&Rule] = &[&ra301::RULE, &ra302::RULE, &ra303::RULE, &ra304::RULE];
