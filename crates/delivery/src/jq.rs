//! jq (jaq) evaluation under a budget, so that no query and no record can crash or wedge
//! the process: records nested deeper than jq 1.6 parses are refused before parsing; each
//! record's evaluation may take at most [`Limits::steps`] steps and stay within a stack
//! allowance; a batch may take at most [`Limits::time`]; and the evaluation runs on a
//! thread of its own with a large stack, off the async runtime.
//!
//! Steps are counted where jaq looks up the term it evaluates next (its LUT, reached through
//! the [`Meter`] data), plus each value of `range/3`, jaq's one native generator that loops
//! without evaluating terms. A budget that runs out unwinds out of jaq
//! ([`std::panic::resume_unwind`], which runs no panic hook) and fails only that record.
//!
//! Not bounded: memory of single operations that grow a value at once (`"a" * 1e12`),
//! which jaq allocates in one step.

use jaq_core::data::{DataT, HasLut};
use jaq_core::native::{v, Fun};
use jaq_core::{Ctx, Cv, Native, ValXs, Vars};
use jaq_json::Val;
use serde_json::Value;
use std::cell::Cell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// JSON nesting depth jq 1.6 parses (its `MAX_PARSING_DEPTH`); deeper records fail to
/// parse. Also the depth `fromjson` accepts.
pub const MAX_DEPTH: usize = 256;

/// Stack of the evaluation thread (reserved, touched only as deep as evaluation goes).
pub(crate) const STACK_BYTES: usize = 512 << 20;
/// Stack jaq's own recursion may use on that thread before the record fails; the rest is
/// head-room for recursion that is not metered (dropping and printing nested values, whose
/// depth the step budget bounds).
const STACK_LIMIT: usize = 64 << 20;

/// How much one evaluation may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Steps per record.
    pub steps: u64,
    /// Time for a whole batch of records; records left when it is spent fail.
    pub time: Duration,
}

impl Default for Limits {
    /// kinesin's choice (AWS documents no limits for its jq evaluation): a million steps per
    /// record, ten seconds per batch.
    fn default() -> Self {
        Self { steps: 1_000_000, time: Duration::from_secs(10) }
    }
}

/// Why a record has no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JqError {
    /// The record is not one JSON value, or is nested deeper than [`MAX_DEPTH`].
    Input,
    /// The query failed (jq error), or its output is not JSON.
    Failed(String),
    /// The query yielded no value.
    Empty,
    /// The query yielded more than one value.
    Many,
    /// The query ran out of its budget (what ran out).
    Budget(&'static str),
}

/// Data of the metered filters: the LUT, reached through a budget that counts each lookup.
pub struct Metered;

impl DataT for Metered {
    type V<'a> = Val;
    type Data<'a> = Meter<'a>;
}

/// The LUT with the budget that [`HasLut::lut`] charges.
#[derive(Clone)]
pub struct Meter<'a> {
    lut: &'a jaq_core::Lut<Metered>,
    budget: &'a Budget,
}

impl<'a> HasLut<'a, Metered> for Meter<'a> {
    fn lut(&self) -> &'a jaq_core::Lut<Metered> {
        self.budget.step();
        self.lut
    }
}

/// What ran out; the unwinding payload.
struct Exceeded(&'static str);

/// The budget of one record.
struct Budget {
    steps: Cell<u64>,
    max_steps: u64,
    deadline: Instant,
    stack_base: usize,
}

impl Budget {
    fn new(limits: &Limits, deadline: Instant) -> Self {
        Self { steps: Cell::new(0), max_steps: limits.steps, deadline, stack_base: stack_address() }
    }

    fn step(&self) {
        let n = self.steps.get() + 1;
        self.steps.set(n);
        if n > self.max_steps {
            resume_unwind(Box::new(Exceeded("steps")));
        }
        if n.is_multiple_of(1024) && Instant::now() > self.deadline {
            resume_unwind(Box::new(Exceeded("time")));
        }
        if self.stack_base.saturating_sub(stack_address()) > STACK_LIMIT {
            resume_unwind(Box::new(Exceeded("stack")));
        }
    }
}

/// An address on the current stack (stacks grow down on the platforms kinesin runs on).
#[inline(never)]
fn stack_address() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// A compiled query.
pub struct Program(jaq_core::compile::Filter<Native<Metered>>);

/// Compiles a jq query; `Err` (jaq's reason) when it does not parse or names unknown filters.
/// jaq's parser and compiler recurse once per level of nesting, so this runs on a thread with
/// the evaluation's stack: no query (AWS bounds them at 5,120 characters) can overflow it.
pub fn compile(query: &str) -> Result<Program, String> {
    std::thread::scope(|scope| {
        let compiler = std::thread::Builder::new()
            .name("jq-compile".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, || compile_here(query))
            .map_err(|e| format!("jq compilation could not run: {e}"))?;
        compiler.join().unwrap_or_else(|_| Err("jq compilation failed".into()))
    })
}

fn compile_here(query: &str) -> Result<Program, String> {
    use jaq_core::load::{Arena, File, Loader};
    let defs = jaq_core::defs().chain(jaq_std::defs()).chain(jaq_json::defs());
    let arena = Arena::default();
    let modules = Loader::new(defs).load(&arena, File { code: query, path: () }).map_err(|e| format!("{e:?}"))?;
    jaq_core::Compiler::default().with_funs(funs()).compile(modules).map(Program).map_err(|e| format!("{e:?}"))
}

/// jaq's native filters with `range/3` and `fromjson` replaced by metered ones.
fn funs() -> impl Iterator<Item = Fun<Metered>> {
    let replaced = |name: &str, arity: usize| (name == "range" && arity == 3) || (name == "fromjson" && arity == 0);
    let base = jaq_core::funs().chain(jaq_std::funs()).chain(jaq_json::funs());
    let kept = base.filter(move |(name, args, _)| !replaced(name, args.len()));
    let ours: [Fun<Metered>; 2] =
        [("range", v(3), Native::new(|cv| range(cv))), ("fromjson", v(0), Native::new(|cv| fromjson(cv)))];
    kept.chain(ours)
}

/// `range($from; $to; $by)`, each value charged one step.
fn range<'a>(mut cv: Cv<'a, Metered>) -> ValXs<'a, Val> {
    let by = cv.0.pop_var();
    let to = cv.0.pop_var();
    let from = cv.0.pop_var();
    let budget = cv.0.data().budget;
    let up = by.partial_cmp(&Val::from(0isize)).unwrap_or(std::cmp::Ordering::Equal);
    let mut next = Some(from);
    Box::new(std::iter::from_fn(move || {
        budget.step();
        let x = next.take()?;
        let go_on = match up {
            std::cmp::Ordering::Greater => x < to,
            std::cmp::Ordering::Less => x > to,
            std::cmp::Ordering::Equal => x != to,
        };
        if !go_on {
            return None;
        }
        match x.clone() + by.clone() {
            Ok(n) => next = Some(n),
            Err(e) => return Some(Err(e.into())),
        }
        Some(Ok(x))
    }))
}

/// `fromjson`, as jq 1.6 has it: exactly one JSON value, nested at most [`MAX_DEPTH`] deep.
/// (jaq's own reads a sequence of values, and yields errors forever after a syntax error.)
fn fromjson<'a>(cv: Cv<'a, Metered>) -> ValXs<'a, Val> {
    let one = |r: Result<Val, String>| -> ValXs<'a, Val> {
        Box::new(std::iter::once(r.map_err(|m| jaq_core::Error::str(m).into())))
    };
    let text = match cv.1.try_as_utf8_bytes_owned() {
        Ok(t) => t,
        Err(e) => return Box::new(std::iter::once(Err(e.into()))),
    };
    if json_depth(&text) > MAX_DEPTH {
        return one(Err("Exceeds depth limit for parsing".to_string()));
    }
    one(jaq_json::read::parse_single(&text).map_err(|e| format!("{e} (while parsing)")))
}

/// Deepest nesting of arrays and objects in JSON text (strings skipped; not a validator).
pub fn json_depth(text: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in text {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Runs `program` over each record: its one output as JSON, or why there is none. Runs on
/// a thread of its own (see the module); blocks until done, at most about `limits.time`.
pub fn run_all(program: &Program, records: &[Vec<u8>], limits: Limits) -> Vec<Result<Value, JqError>> {
    let mut out = Vec::with_capacity(records.len());
    run_each(program, records, limits, |r| out.push(r));
    out
}

/// [`run_all`], handing each record's result to `emit` as soon as it is known (in order).
/// Records the thread could not run fail.
pub fn run_each(
    program: &Program,
    records: &[Vec<u8>],
    limits: Limits,
    mut emit: impl FnMut(Result<Value, JqError>) + Send,
) {
    let mut done = 0;
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new().name("jq".into()).stack_size(STACK_BYTES).spawn_scoped(scope, || {
            let deadline = Instant::now() + limits.time;
            for r in records {
                emit(run_one(program, r, &limits, deadline));
                done += 1;
            }
        });
        let _ = worker.map(|w| w.join());
    });
    for _ in done..records.len() {
        emit(Err(JqError::Failed("jq evaluation could not run".into())));
    }
}

/// One record, with its budget; a budget that runs out or a panic in jaq fails the record.
fn run_one(program: &Program, record: &[u8], limits: &Limits, deadline: Instant) -> Result<Value, JqError> {
    if Instant::now() > deadline {
        return Err(JqError::Budget("time"));
    }
    if json_depth(record) > MAX_DEPTH {
        return Err(JqError::Input);
    }
    let input = jaq_json::read::parse_single(record).map_err(|_| JqError::Input)?;
    let budget = Budget::new(limits, deadline);
    match catch_unwind(AssertUnwindSafe(|| first_output(program, input, &budget))) {
        Ok(r) => r,
        Err(payload) => match payload.downcast::<Exceeded>() {
            Ok(e) => Err(JqError::Budget(e.0)),
            Err(_) => Err(JqError::Failed("jq evaluation failed".into())),
        },
    }
}

fn first_output(program: &Program, input: Val, budget: &Budget) -> Result<Value, JqError> {
    let lut = &program.0.lut;
    let ctx = Ctx::<Metered>::new(Meter { lut, budget }, Vars::new([]));
    let mut outputs = program.0.id.run((ctx, input)).map(jaq_core::unwrap_valr);
    let first = match outputs.next() {
        Some(Ok(v)) => v,
        Some(Err(e)) => return Err(JqError::Failed(e.to_string())),
        None => return Err(JqError::Empty),
    };
    if outputs.next().is_some() {
        return Err(JqError::Many);
    }
    // Through JSON text: jaq prints values as jq does (serde_json bounds the depth it reads).
    serde_json::from_str(&first.to_string()).map_err(|_| JqError::Failed("jq query result is not JSON".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(query: &str, record: &[u8]) -> Result<Value, JqError> {
        let limits = Limits { steps: 200_000, time: Duration::from_secs(5) };
        run_all(&compile(query).unwrap(), &[record.to_vec()], limits).remove(0)
    }

    #[test]
    fn evaluates() {
        assert_eq!(run("{a: .a, n: (.b | length)}", br#"{"a":"x","b":[1,2]}"#), Ok(json!({"a":"x","n":2})));
        assert_eq!(run("[range(0; 5; 2)]", b"null"), Ok(json!([0, 2, 4])));
        assert_eq!(run("[range(3)]", b"null"), Ok(json!([0, 1, 2])));
        assert_eq!(run("[range(3; 0; -1)]", b"null"), Ok(json!([3, 2, 1])));
        assert_eq!(run(".s | fromjson", br#"{"s":"{\"k\":[1]}"}"#), Ok(json!({"k": [1]})));
        // Found by fuzzing: text that fails to parse is one error, not errors without end.
        assert!(matches!(run("{k: (.s | fromjson | .a .a)}", br#"{"s":"map{\":0}"}"#), Err(JqError::Failed(_))));
        assert!(matches!(run(".s | fromjson", br#"{"s":"1 2"}"#), Err(JqError::Failed(_))));
        assert_eq!(run(".[]", b"[1,2]"), Err(JqError::Many));
        assert_eq!(run("empty", b"1"), Err(JqError::Empty));
        assert!(matches!(run("error(\"x\")", b"1"), Err(JqError::Failed(_))));
        assert!(compile("{a:").is_err());
    }

    #[test]
    fn deeply_nested_queries_compile_without_overflowing_the_callers_stack() {
        // Found by fuzzing: 500 nested parentheses overflowed a 2 MiB stack (a runtime
        // worker's) in jaq's parser. 5,120 characters is AWS's bound on the query.
        let small_stack = std::thread::Builder::new().stack_size(256 << 10);
        let compiled = small_stack
            .spawn(|| {
                let query = |open: &str, close: &str| format!("{}.{}", open.repeat(2_560), close.repeat(2_560));
                [compile(&query("(", ")")).is_ok(), compile(&query("[", "]")).is_ok(), compile(&query("-", "")).is_ok()]
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(compiled, [true, true, true]);
        assert_eq!(run(&format!("{}1{}", "(".repeat(2_560), ")".repeat(2_560)), b"null"), Ok(json!(1)));
    }

    #[test]
    fn deep_input_is_refused_not_parsed() {
        let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
        assert_eq!(run(".", deep.as_bytes()), Err(JqError::Input));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(run("length", ok.as_bytes()).is_ok());
        let text = serde_json::to_string(&deep).unwrap();
        assert!(matches!(run("fromjson", text.as_bytes()), Err(JqError::Failed(_))));
        assert_eq!(json_depth(br#"{"a":"[[[[","b":[{}]}"#), 3);
    }

    #[test]
    fn recursion_and_endless_queries_run_out_of_budget() {
        assert_eq!(run("def f: [f]; {k: (f|length)}", b"{}"), Err(JqError::Budget("stack")));
        assert_eq!(run("{k: (last(repeat(1))|tostring)}", b"{}"), Err(JqError::Budget("steps")));
        assert_eq!(run("{k: (last(range(1e18))|tostring)}", b"{}"), Err(JqError::Budget("steps")));
        assert_eq!(run("[limit(3; repeat(1))] | length", b"{}"), Ok(json!(3)));
        // Deep values built step by step stay within the stack head-room.
        assert!(run("reduce range(60000) as $i (null; [.]) | tojson | length", b"null").is_ok());
    }

    #[test]
    fn batch_time_is_shared() {
        let limits = Limits { steps: u64::MAX, time: Duration::from_millis(200) };
        let out = run_all(&compile("last(repeat(1))").unwrap(), &vec![b"1".to_vec(); 3], limits);
        assert!(out.iter().all(|r| *r == Err(JqError::Budget("time"))), "{out:?}");
    }
}
