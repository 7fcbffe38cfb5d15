//! The documentation tells the truth: every error code is in docs/errors.md.

#[test]
fn every_error_code_is_documented() {
    use zstack_query::{ErrorKind, Limit};
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/errors.md"))
        .expect("docs/errors.md");
    let kinds = [
        ErrorKind::SyntaxNoOperator,
        ErrorKind::SyntaxInvalidPath,
        ErrorKind::SyntaxPercentEncoding,
        ErrorKind::SyntaxJson {
            message: String::new(),
        },
        ErrorKind::SyntaxCli {
            expected: String::new(),
        },
        ErrorKind::ParameterUnknown {
            name: String::new(),
        },
        ErrorKind::ParameterDuplicate {
            name: String::new(),
        },
        ErrorKind::ParameterInvalid {
            name: String::new(),
            expected: String::new(),
        },
        ErrorKind::ResourceUnknown {
            name: String::new(),
        },
        ErrorKind::PathUnknownField {
            resource: String::new(),
            field: String::new(),
        },
        ErrorKind::PathUnknownRelation {
            resource: String::new(),
            relation: String::new(),
        },
        ErrorKind::PathEndsOnRelation {
            relation: String::new(),
        },
        ErrorKind::PathAliasLoop {
            alias: String::new(),
        },
        ErrorKind::ValueWrongType {
            field: String::new(),
            expected: String::new(),
        },
        ErrorKind::ValueNotInEnum {
            field: String::new(),
            allowed: Vec::new(),
        },
        ErrorKind::OperatorNotAllowed {
            op: String::new(),
            field: String::new(),
            field_type: String::new(),
        },
        ErrorKind::ParameterFieldNotAllowed {
            param: String::new(),
            field: String::new(),
            reason: String::new(),
        },
        ErrorKind::LimitExceeded {
            limit: Limit::Limit,
            max: 0,
        },
        ErrorKind::Schema {
            message: String::new(),
        },
        ErrorKind::Database {
            message: String::new(),
        },
    ];
    for k in kinds {
        assert!(
            doc.contains(&format!("| `{}` |", k.code())),
            "docs/errors.md lacks `{}`",
            k.code()
        );
    }
}
