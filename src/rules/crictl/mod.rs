use crate::engine::Rule;

pub static RULES: &[&Rule] = &[];
