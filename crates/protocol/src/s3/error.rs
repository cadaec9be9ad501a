//! S3's refusals of a request it cannot parse, with S3's codes, messages and statuses.

use std::fmt;

/// A request S3 refuses as malformed, before any bucket or object is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A path part that does not decode to UTF-8 (`InvalidURI`).
    InvalidUri,
    /// A key over 1,024 bytes (`KeyTooLongError`).
    KeyTooLong,
    /// `InvalidArgument` naming the argument (`ArgumentName`) or its value
    /// (`ArgumentValue`): `(message, (element, text))`.
    InvalidArgument(&'static str, (&'static str, String)),
    /// A `Range` that cannot be served (`InvalidRange`, 416).
    InvalidRange,
    /// An `aws-chunked` body cut short (`IncompleteBody`).
    IncompleteBody,
    /// A request document that is not the XML asked for (`MalformedXML`).
    MalformedXml,
    /// A bucket policy that is not a JSON object (`MalformedPolicy`).
    MalformedPolicy,
}

impl Error {
    /// S3's error code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidUri => "InvalidURI",
            Error::KeyTooLong => "KeyTooLongError",
            Error::InvalidArgument(..) => "InvalidArgument",
            Error::InvalidRange => "InvalidRange",
            Error::IncompleteBody => "IncompleteBody",
            Error::MalformedXml => "MalformedXML",
            Error::MalformedPolicy => "MalformedPolicy",
        }
    }

    /// S3's message.
    pub fn message(&self) -> &'static str {
        match self {
            Error::InvalidUri => "Couldn't parse the specified URI.",
            Error::KeyTooLong => "Your key is too long",
            Error::InvalidArgument(message, _) => message,
            Error::InvalidRange => "The requested range is not satisfiable",
            Error::IncompleteBody => "The request body terminated unexpectedly",
            Error::MalformedXml => {
                "The XML you provided was not well-formed or did not validate against our published schema"
            }
            Error::MalformedPolicy => "Policies must be valid JSON and the first byte must be '{'",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Error::InvalidRange => 416,
            _ => 400,
        }
    }

    /// The extra element of the error document (`ArgumentName`/`ArgumentValue`), if any.
    pub fn resource(&self) -> Option<(&'static str, String)> {
        match self {
            Error::InvalidArgument(_, resource) => Some(resource.clone()),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for Error {}

/// `InvalidArgument` naming the argument `name`.
pub(crate) fn argument_named(message: &'static str, name: &'static str) -> Error {
    Error::InvalidArgument(message, ("ArgumentName", name.to_string()))
}

/// `InvalidArgument` quoting the value given.
pub(crate) fn argument_value(message: &'static str, value: &str) -> Error {
    Error::InvalidArgument(message, ("ArgumentValue", value.to_string()))
}
