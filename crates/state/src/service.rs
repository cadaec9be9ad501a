//! The service contract every service plugs into the server with (in the spirit of
//! smithy-rs's `OperationShape` and s3s's `Operation`).
//!
//! A service is a [`Service`]: its botocore model, who calls it, its one error type and the
//! effects its operations may have (which background task or waiter they wake). Each operation
//! is a unit type implementing [`Operation`]: its name, input, output and effects are types
//! and constants, its body a plain function on the store thread. The [`operations!`] table
//! declares them and the service's `Op` enum (parsed by `match`, visited generically), so a
//! misspelled operation is a compile error. The server's one runner decodes, validates,
//! runs [`Operation::run`] through `Db::call`, maps the error once and encodes.

use crate::db::Engine;
use crate::error::StateError;
use kinesin_protocol::model::Model;
use kinesin_protocol::ApiError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// A service: its model, its caller, its error and its effects.
pub trait Service: 'static {
    /// What every operation gets besides its input (account/region, queue URL host, ...).
    type Caller: Clone + Send + Sync + 'static;
    /// The service's one error type; store failures become it, it renders as an `ApiError`.
    type Error: From<StateError> + Into<ApiError> + Send + 'static;
    /// What a successful operation may wake (a background task, long polls, subscribers).
    type Effect: Copy + PartialEq + std::fmt::Debug + Send + Sync + 'static;

    /// The botocore model that drives validation and CBOR/XML encoding.
    fn model() -> &'static Model;

    /// Checks a decoded request document against the model (every constraint by default),
    /// leaving integers as AWS reads them.
    fn validate(operation: &str, doc: &mut Value) -> Result<(), ApiError> {
        Self::model().validate_input(operation, doc)
    }
}

/// One operation of a service.
pub trait Operation: 'static {
    /// The service it belongs to.
    type Service: Service;
    /// The typed input, decoded from the validated request document.
    type Input: DeserializeOwned + Send + 'static;
    /// The typed output, encoded in the request's wire format.
    type Output: Serialize + Send + 'static;
    /// The operation's name in the model (`PutRecords`).
    const NAME: &'static str;
    /// What the operation wakes when it succeeds.
    const EFFECTS: &'static [Effect<Self>];

    /// Runs the operation on the store thread (inside its savepoint).
    fn run(eng: &mut Engine, caller: &Caller<Self>, input: Self::Input) -> Result<Self::Output, Error<Self>>;
}

/// The caller type of an operation's service.
pub type Caller<O> = <<O as Operation>::Service as Service>::Caller;
/// The error type of an operation's service.
pub type Error<O> = <<O as Operation>::Service as Service>::Error;
/// The effect type of an operation's service.
pub type Effect<O> = <<O as Operation>::Service as Service>::Effect;

/// Something done with one operation type, chosen at run time by a service's `Op` enum
/// (`Op::visit`): the generic runner, a test, a listing.
pub trait Visitor<S: Service> {
    /// What the visit gives.
    type Out;
    /// Visits operation `O`.
    fn visit<O: Operation<Service = S>>(self) -> Self::Out;
}

/// Declares a service's operations: one unit type per operation in a module `ops`
/// (implementing [`Operation`]) and the enum `Op` naming them, parsed with a `match`.
///
/// ```ignore
/// kinesin_state::operations! {
///     service KinesisApi;
///     CreateStream(CreateStreamInput) -> () = streams::create, wakes [KinesisEffect::Maintenance];
///     DescribeStream(DescribeStreamInput) -> DescribeStreamOutput = streams::describe;
/// }
/// ```
#[macro_export]
macro_rules! operations {
    (
        service $svc:ty;
        $( $name:ident ( $input:ty ) -> $output:ty = $f:path $(, wakes [ $($effect:path),* $(,)? ])? ; )*
    ) => {
        /// One unit type per operation, implementing the service contract.
        pub mod ops {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[doc = concat!("`", stringify!($name), "`.")]
                #[derive(Debug, Clone, Copy)]
                pub struct $name;

                impl $crate::service::Operation for $name {
                    type Service = $svc;
                    type Input = $input;
                    type Output = $output;
                    const NAME: &'static str = stringify!($name);
                    const EFFECTS: &'static [$crate::service::Effect<Self>] = &[$($($effect),*)?];

                    fn run(
                        eng: &mut $crate::Engine,
                        caller: &$crate::service::Caller<Self>,
                        input: $input,
                    ) -> Result<$output, $crate::service::Error<Self>> {
                        $f(eng, caller, input)
                    }
                }
            )*
        }

        /// Every operation of the service.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Op {
            $(
                #[doc = concat!("`", stringify!($name), "`.")]
                $name,
            )*
        }

        impl Op {
            /// Every operation, in table order.
            pub const ALL: &'static [Op] = &[$(Op::$name),*];

            /// The operation a wire name names, if the service serves it.
            pub fn parse(name: &str) -> Option<Op> {
                match name {
                    $(stringify!($name) => Some(Op::$name),)*
                    _ => None,
                }
            }

            /// The operation's name in the model.
            pub fn name(self) -> &'static str {
                match self {
                    $(Op::$name => stringify!($name),)*
                }
            }

            /// Runs `v` with this operation's type.
            pub fn visit<V: $crate::service::Visitor<$svc>>(self, v: V) -> V::Out {
                match self {
                    $(Op::$name => v.visit::<ops::$name>(),)*
                }
            }
        }
    };
}

/// Runs one operation on a request document as the server does (typed input, the store
/// savepoint, the error mapped once) and holds its serialized answer to the model's output
/// shape ([`Model::check_output`]): `Op::parse(name)?.visit(Checked { .. })` in tests.
#[cfg(test)]
pub(crate) struct Checked<'a, S: Service> {
    /// The store.
    pub eng: &'a mut Engine,
    /// Who calls.
    pub caller: &'a S::Caller,
    /// The validated request document.
    pub doc: Value,
}

#[cfg(test)]
impl<S: Service> Visitor<S> for Checked<'_, S> {
    type Out = Result<Value, ApiError>;

    fn visit<O: Operation<Service = S>>(self) -> Self::Out {
        let input: O::Input = kinesin_protocol::json::into_input(self.doc)?;
        let caller = self.caller;
        let out = self.eng.in_savepoint(|eng| O::run(eng, caller, input)).map_err(Into::into)?;
        let doc = serde_json::to_value(&out).expect("outputs serialize");
        if let Err(e) = S::model().check_output(O::NAME, &doc) {
            panic!("{} answered outside its model: {e}\n{doc:#}", O::NAME);
        }
        Ok(doc)
    }
}
