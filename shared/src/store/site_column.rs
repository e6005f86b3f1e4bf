//! Site ids in rows: bound as text, and read back through [`SiteId::parse`], so a row can
//! never yield a site id that routes and configuration would refuse.

use sqlx::any::{Any, AnyTypeInfo};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

use crate::site_id::SiteId;

impl Type<Any> for SiteId {
    fn type_info() -> AnyTypeInfo {
        <String as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as Type<Any>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Any> for SiteId {
    fn encode_by_ref(
        &self,
        buf: &mut <Any as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <String as Encode<'q, Any>>::encode_by_ref(&self.as_str().to_string(), buf)
    }
}

impl<'r> Decode<'r, Any> for SiteId {
    fn decode(value: <Any as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let raw = <String as Decode<'r, Any>>::decode(value)?;
        SiteId::parse(&raw).map_err(Into::into)
    }
}
