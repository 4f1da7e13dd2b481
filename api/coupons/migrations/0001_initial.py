from tortoise import migrations
from tortoise.migrations import operations as ops
from api.coupons.states import CouponStatus, CouponTarget, DiscountKind, RedemptionStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Coupon',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(max_length=128)),
                ('description', fields.TextField(default='', unique=False)),
                ('status', fields.CharEnumField(default=CouponStatus.ACTIVE, description='ACTIVE: active\nINACTIVE: inactive', enum_type=CouponStatus, max_length=16)),
                ('discount_kind', fields.CharEnumField(description='AMOUNT: amount\nPERCENT: percent', enum_type=DiscountKind, max_length=16)),
                ('discount_value', fields.IntField()),
                ('max_discount', fields.IntField(null=True)),
                ('minimum_amount', fields.IntField(default=0)),
                ('target', fields.CharEnumField(default=CouponTarget.ALL, description='ALL: all\nPRODUCTS: products\nCATEGORIES: categories', enum_type=CouponTarget, max_length=16)),
                ('target_product_ids', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('target_category_ids', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('starts_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('members_only', fields.BooleanField(default=True)),
                ('usage_limit', fields.IntField(null=True)),
                ('usage_limit_per_member', fields.IntField(null=True)),
                ('used_count', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'coupons', 'app': 'coupons', 'indexes': [Index(fields=['status', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CouponRedemption',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('coupon', fields.ForeignKeyField('coupons.Coupon', source_field='coupon_id', db_constraint=True, to_field='id', related_name='redemptions', on_delete=OnDelete.RESTRICT)),
                ('user_id', fields.IntField(null=True)),
                ('order_ref', fields.CharField(max_length=64)),
                ('amount', fields.IntField()),
                ('status', fields.CharEnumField(default=RedemptionStatus.REDEEMED, description='REDEEMED: redeemed\nRELEASED: released', enum_type=RedemptionStatus, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('released_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'coupon_redemptions', 'app': 'coupons', 'unique_together': (('coupon_id', 'order_ref'),), 'indexes': [Index(fields=['coupon_id', 'user_id', 'status'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
