//! Catalog lookups (tables, columns, primary keys, functions), cached like PostgREST's schema cache.
//!
//! Only hits are cached: a table or function created after the server started is found on its first
//! use, while a known one is read once (PostgREST needs a schema reload for changes too).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio_postgres::Client;

/// A table or view of the exposed schema.
#[derive(Debug)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
}

#[derive(Debug)]
pub struct Column {
    pub name: String,
    /// Full-text filters use a tsvector column as is and wrap anything else in `to_tsvector`.
    pub is_tsvector: bool,
    /// The DEFAULT expression, as `pg_get_expr` prints it (`Prefer: missing=default` uses it).
    pub default: Option<String>,
}

impl Table {
    pub fn has_column(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c.name == name)
    }

    pub fn is_plain_text(&self, name: &str) -> bool {
        !self.columns.iter().any(|c| c.name == name && c.is_tsvector)
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// One input parameter of a function.
#[derive(Debug)]
pub struct Arg {
    pub name: String,
    pub type_name: String,
    pub has_default: bool,
}

/// What a function returns, which decides the response body.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Returns {
    Void,
    Scalar,
    /// A table row type, `RETURNS TABLE` or OUT parameters: objects.
    Composite,
}

/// One overload of a function of the exposed schema.
#[derive(Debug)]
pub struct Function {
    pub name: String,
    pub args: Vec<Arg>,
    pub volatile: bool,
    pub returns_set: bool,
    pub returns: Returns,
}

/// The per-server cache.
#[derive(Default)]
pub struct Cache {
    tables: Mutex<HashMap<String, Arc<Table>>>,
    functions: Mutex<HashMap<String, Arc<Vec<Function>>>>,
}

const TABLE_SQL: &str = "
select a.attname::text, a.atttypid = 'tsvector'::regtype, coalesce(a.attnum = any(i.indkey::int2[]), false),
       pg_get_expr(d.adbin, d.adrelid)
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum and a.attgenerated = ''
left join pg_index i on i.indrelid = c.oid and i.indisprimary
where n.nspname = $1 and c.relname = $2 and c.relkind in ('r', 'v', 'm', 'f', 'p')
order by a.attnum";

const FUNCTION_SQL: &str = "
select p.provolatile = 'v', p.proretset, p.prorettype = 'void'::regtype,
       (t.typrelid <> 0 or p.prorettype = 'record'::regtype), p.pronargdefaults::int4,
       coalesce(p.proargnames, '{}')::text[], coalesce(p.proargmodes::text[], '{}'),
       array(select format_type(a.oid, null) from unnest(p.proargtypes::oid[]) with ordinality a(oid, n) order by n)
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
join pg_type t on t.oid = p.prorettype
where n.nspname = $1 and p.proname = $2 and p.prokind = 'f'
order by p.oid";

impl Cache {
    /// The table `name` of `schema`, or `None` if there is no such table or view.
    pub async fn table(
        &self,
        client: &Client,
        schema: &str,
        name: &str,
    ) -> Result<Option<Arc<Table>>, tokio_postgres::Error> {
        if let Some(table) = self.tables.lock().unwrap_or_else(PoisonError::into_inner).get(name) {
            return Ok(Some(table.clone()));
        }
        let rows = client.query(TABLE_SQL, &[&schema, &name]).await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut table = Table { name: name.to_owned(), columns: Vec::new(), primary_key: Vec::new() };
        for row in rows {
            let Some(column) = row.get::<_, Option<String>>(0) else { continue };
            if row.get::<_, bool>(2) {
                table.primary_key.push(column.clone());
            }
            table.columns.push(Column { name: column, is_tsvector: row.get(1), default: row.get(3) });
        }
        let table = Arc::new(table);
        self.tables.lock().unwrap_or_else(PoisonError::into_inner).insert(name.to_owned(), table.clone());
        Ok(Some(table))
    }

    /// Every overload of function `name` in `schema` (empty if none).
    pub async fn functions(
        &self,
        client: &Client,
        schema: &str,
        name: &str,
    ) -> Result<Arc<Vec<Function>>, tokio_postgres::Error> {
        if let Some(found) = self.functions.lock().unwrap_or_else(PoisonError::into_inner).get(name) {
            return Ok(found.clone());
        }
        let rows = client.query(FUNCTION_SQL, &[&schema, &name]).await?;
        let functions: Arc<Vec<Function>> = Arc::new(rows.iter().map(|row| function(name, row)).collect());
        if !functions.is_empty() {
            let mut cache = self.functions.lock().unwrap_or_else(PoisonError::into_inner);
            cache.insert(name.to_owned(), functions.clone());
        }
        Ok(functions)
    }
}

/// Every table and view of `schema`, for the "Perhaps you meant the table" hint of PGRST205.
pub async fn table_names(client: &Client, schema: &str) -> Result<Vec<String>, tokio_postgres::Error> {
    let sql = "select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
               where n.nspname = $1 and c.relkind in ('r', 'v', 'm', 'f', 'p') order by 1";
    Ok(client.query(sql, &[&schema]).await?.iter().map(|row| row.get(0)).collect())
}

/// Every function of `schema`, for the "Perhaps you meant to call the function" hint of PGRST202.
pub async fn function_names(client: &Client, schema: &str) -> Result<Vec<String>, tokio_postgres::Error> {
    let sql = "select distinct p.proname::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
               where n.nspname = $1 and p.prokind = 'f' order by 1";
    Ok(client.query(sql, &[&schema]).await?.iter().map(|row| row.get(0)).collect())
}

fn function(name: &str, row: &tokio_postgres::Row) -> Function {
    let returns = match (row.get::<_, bool>(2), row.get::<_, bool>(3)) {
        (true, _) => Returns::Void,
        (false, true) => Returns::Composite,
        (false, false) => Returns::Scalar,
    };
    let defaults = usize::try_from(row.get::<_, i32>(4)).unwrap_or(0);
    let names: Vec<String> = row.get(5);
    let modes: Vec<String> = row.get(6);
    let types: Vec<String> = row.get(7);
    // proargnames covers OUT/TABLE columns too when proargmodes is set; keep the inputs only.
    let input_names = (0..names.len().max(modes.len()).max(types.len()))
        .filter(|&i| modes.get(i).is_none_or(|m| matches!(m.as_str(), "i" | "b" | "v")))
        .map(|i| names.get(i).cloned().unwrap_or_default());
    let first_default = types.len().saturating_sub(defaults);
    let args = input_names
        .zip(types)
        .enumerate()
        .map(|(i, (name, type_name))| Arg { name, type_name, has_default: i >= first_default })
        .collect();
    Function { name: name.to_owned(), args, volatile: row.get(0), returns_set: row.get(1), returns }
}
