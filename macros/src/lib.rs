//! `#[derive(LeanDeserialize)]`: a struct's `serde::Deserialize`, written for a small WASM.
//!
//! It reads what serde's own derive reads, with serde's own `#[serde(…)]` attributes, and
//! answers the same way: the keys as the struct's field names (or their indexes, as the core's
//! JSON reader hands them over), an unknown key skipped, a key given twice an error
//! (`duplicate field`), a missing field its default or an error (`missing field`), an
//! `Option` field `None` when missing unless it is read by a function of its own (as serde).
//!
//! What differs is the code. serde's derive keeps each field in an `Option` of its own, checks
//! each one for a second key, and takes each out at the end, each with its own missing-field
//! path: about a kilobyte of WASM per struct. Here the struct starts from its defaults and each
//! key's value is written into its field in place; which fields were read is one bit each, and
//! the checks for a second key and for the required fields are two functions shared by every
//! struct (`platform::json::Seen`). The core's largest struct read went from 4.6 KB of code to
//! 2.1 KB.
//!
//! So every field's type must have a `Default` (the blank before the read; never seen for a
//! required field, whose absence is an error). Unsupported forms (a tuple struct, generics,
//! `flatten`, `alias`, `remote` and the like) are refused at compile time, not read differently.
//! A struct is also never read from an array (serde's derive accepts one; the core's JSON
//! reader never hands one to a struct).

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens};
use quote::{format_ident, quote};
use syn::{parse_macro_input, Data, DeriveInput, Error, Fields, LitStr, Path, Type};

#[proc_macro_derive(LeanDeserialize, attributes(serde))]
pub fn lean_deserialize(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input).unwrap_or_else(Error::into_compile_error).into()
}

/// The container's attributes.
#[derive(Default)]
struct Container {
    rename_all: Option<String>,
    rename: Option<String>,
    default: bool,
}

/// A field's default when its key is missing.
enum FieldDefault {
    None,
    Default,
    Path(Path),
}

/// A field's attributes.
struct Field {
    rename: Option<String>,
    default: FieldDefault,
    deserialize_with: Option<Path>,
    skip: bool,
}

fn container(input: &DeriveInput) -> Result<Container, Error> {
    let mut c = Container::default();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                c.rename_all = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("rename") {
                c.rename = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("default") && !meta.input.peek(syn::Token![=]) {
                c.default = true;
            } else {
                return Err(
                    meta.error("LeanDeserialize does not read this serde attribute: use serde's derive")
                );
            }
            Ok(())
        })?;
    }
    Ok(c)
}

fn field(attrs: &[syn::Attribute]) -> Result<Field, Error> {
    let mut f = Field {
        rename: None,
        default: FieldDefault::None,
        deserialize_with: None,
        skip: false,
    };
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            let p = &meta.path;
            if p.is_ident("rename") {
                f.rename = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if p.is_ident("default") {
                f.default = match meta.input.peek(syn::Token![=]) {
                    true => FieldDefault::Path(meta.value()?.parse::<LitStr>()?.parse()?),
                    false => FieldDefault::Default,
                };
            } else if p.is_ident("deserialize_with") {
                f.deserialize_with = Some(meta.value()?.parse::<LitStr>()?.parse()?);
            } else if p.is_ident("with") {
                let module: Path = meta.value()?.parse::<LitStr>()?.parse()?;
                f.deserialize_with = Some(syn::parse_quote!(#module::deserialize));
            } else if p.is_ident("skip") || p.is_ident("skip_deserializing") {
                f.skip = true;
            } else if p.is_ident("skip_serializing_if") || p.is_ident("serialize_with") {
                // The writing's own: read and left.
                meta.value()?.parse::<LitStr>()?;
            } else if p.is_ident("skip_serializing") {
            } else {
                return Err(
                    meta.error("LeanDeserialize does not read this serde attribute: use serde's derive")
                );
            }
            Ok(())
        })?;
    }
    Ok(f)
}

/// A field's name in JSON under `rename_all`, as serde spells it.
fn renamed(name: &str, rule: Option<&str>, span: Span) -> Result<String, Error> {
    let pascal = || {
        let mut out = String::new();
        let mut upper = true;
        for ch in name.chars() {
            if ch == '_' {
                upper = true;
            } else if upper {
                out.extend(ch.to_uppercase());
                upper = false;
            } else {
                out.push(ch);
            }
        }
        out
    };
    Ok(match rule {
        None | Some("snake_case") => name.to_string(),
        Some("lowercase") => name.to_ascii_lowercase(),
        Some("PascalCase") => pascal(),
        Some("camelCase") => {
            let p = pascal();
            let mut chars = p.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => p,
            }
        }
        Some(other) => {
            return Err(Error::new(
                span,
                format!("LeanDeserialize: rename_all = {other:?} is not read"),
            ))
        }
    })
}

/// `Option<…>` as written: serde's derive lets such a field be missing (its `Deserialize` reads
/// the missing value as `None`).
fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().is_some_and(|s| s.ident == "Option"),
        _ => false,
    }
}

fn expand(input: &DeriveInput) -> Result<Tokens, Error> {
    let name = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(Error::new_spanned(
            &input.generics,
            "LeanDeserialize: no generics",
        ));
    }
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => &named.named,
            _ => {
                return Err(Error::new_spanned(
                    name,
                    "LeanDeserialize: a struct with named fields only",
                ))
            }
        },
        _ => {
            return Err(Error::new_spanned(
                name,
                "LeanDeserialize: a struct with named fields only",
            ))
        }
    };
    let c = container(input)?;
    let mut json_names = Vec::new();
    let mut arms = Vec::new();
    let mut wrappers = Vec::new();
    let mut blanks = Vec::new();
    let mut required: u64 = 0;
    for f in fields {
        let ident = f
            .ident
            .as_ref()
            .ok_or_else(|| Error::new_spanned(f, "a named field"))?;
        let attrs = field(&f.attrs)?;
        let blank = match &attrs.default {
            FieldDefault::Path(path) => quote!(#path()),
            _ => quote!(::core::default::Default::default()),
        };
        blanks.push(quote!(#ident: #blank));
        if attrs.skip {
            continue;
        }
        let index = json_names.len();
        if index >= 64 {
            return Err(Error::new_spanned(f, "LeanDeserialize: at most 64 fields read"));
        }
        let plain = ident.to_string();
        let plain = plain.strip_prefix("r#").unwrap_or(&plain);
        let json = match attrs.rename {
            Some(r) => r,
            None => renamed(plain, c.rename_all.as_deref(), ident.span())?,
        };
        json_names.push(json);
        let is_required = !c.default
            && matches!(attrs.default, FieldDefault::None)
            && (attrs.deserialize_with.is_some() || !is_option(&f.ty));
        if is_required {
            required |= 1 << index;
        }
        let ty = &f.ty;
        let read = match &attrs.deserialize_with {
            None => quote!(__map.next_value::<#ty>()?),
            Some(path) => {
                let wrapper = format_ident!("__With{}", index);
                wrappers.push(quote! {
                    struct #wrapper(#ty);
                    impl<'de> ::serde::Deserialize<'de> for #wrapper {
                        fn deserialize<__D: ::serde::Deserializer<'de>>(
                            __d: __D,
                        ) -> ::core::result::Result<Self, __D::Error> {
                            #path(__d).map(#wrapper)
                        }
                    }
                });
                quote!(__map.next_value::<#wrapper>()?.0)
            }
        };
        arms.push(quote!(#index => __out.#ident = #read,));
    }
    let blank = match c.default {
        true => quote!(<#name as ::core::default::Default>::default()),
        false => quote!(#name { #(#blanks),* }),
    };
    let container_name = c.rename.unwrap_or_else(|| name.to_string());
    let expecting = format!("struct {container_name}");
    Ok(quote! {
        #[automatically_derived]
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<__D: ::serde::Deserializer<'de>>(__d: __D) -> ::core::result::Result<Self, __D::Error> {
                const FIELDS: &[&str] = &[#(#json_names),*];
                #(#wrappers)*
                struct __Visitor;
                impl<'de> ::serde::de::Visitor<'de> for __Visitor {
                    type Value = #name;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(#expecting)
                    }
                    #[allow(unused_mut)]
                    fn visit_map<__A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut __map: __A,
                    ) -> ::core::result::Result<#name, __A::Error> {
                        let mut __out: #name = #blank;
                        let mut __seen = crate::platform::json::Seen::default();
                        while let ::core::option::Option::Some(__i) =
                            __map.next_key_seed(crate::platform::json::FieldSeed(FIELDS))?
                        {
                            __seen.mark(__i, FIELDS)?;
                            match __i {
                                #(#arms)*
                                _ => {
                                    __map.next_value::<::serde::de::IgnoredAny>()?;
                                }
                            }
                        }
                        __seen.require(#required, FIELDS)?;
                        ::core::result::Result::Ok(__out)
                    }
                }
                __d.deserialize_struct(#container_name, FIELDS, __Visitor)
            }
        }
    })
}
