"""Messages for error codes, Japanese by default and English on request.

Codes are identifiers that clients switch on; these texts are what a person
reads. A test checks that every `ErrorCode` has both languages.
"""

from __future__ import annotations

from typing import Any

DEFAULT_LANGUAGE = "ja"
LANGUAGES = ("ja", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "REQUIRED": {"ja": "入力してください。", "en": "This field is required."},
    "TOO_LONG": {
        "ja": "{max}文字以内で入力してください。",
        "en": "Enter at most {max} characters.",
    },
    "INVALID_EMAIL": {
        "ja": "メールアドレスの形式が正しくありません。",
        "en": "Enter a valid email address.",
    },
    "INVALID_KANA": {
        "ja": "カタカナで入力してください。",
        "en": "Enter this in katakana.",
    },
    "INVALID_POSTAL_CODE": {
        "ja": "郵便番号は7桁の数字で入力してください（例: 123-4567）。",
        "en": "Enter a 7-digit postal code (e.g. 123-4567).",
    },
    "INVALID_PHONE": {
        "ja": "電話番号は10桁または11桁の数字で入力してください（ハイフンは任意）。",
        "en": "Enter a phone number of 10 or 11 digits (hyphens optional).",
    },
    "INVALID_PREFECTURE": {
        "ja": "都道府県を正しく選択してください。",
        "en": "Choose a valid prefecture.",
    },
    "PASSWORD_TOO_SHORT": {
        "ja": "パスワードは{min}文字以上で入力してください。",
        "en": "The password must be at least {min} characters.",
    },
    "PASSWORD_TOO_LONG": {
        "ja": "パスワードは{max}文字以内で入力してください。",
        "en": "The password must be at most {max} characters.",
    },
    "PASSWORD_INVALID_CHARACTERS": {
        "ja": "パスワードは半角英数字記号で入力してください。",
        "en": "Use only half-width letters, digits and symbols.",
    },
    "PASSWORD_TOO_SIMPLE": {
        "ja": "パスワードには英字・数字・記号のうち{classes}種類以上を含めてください。",
        "en": "Use at least {classes} of: letters, digits, symbols.",
    },
    "PASSWORD_REPEATED_CHARACTERS": {
        "ja": "同じ文字を{limit}回以上連続して使用できません。",
        "en": "Do not repeat the same character {limit} or more times in a row.",
    },
    "PASSWORD_TOO_COMMON": {
        "ja": "推測されやすいパスワードは使用できません。",
        "en": "This password is too common.",
    },
    "PASSWORD_CONTAINS_EMAIL": {
        "ja": "メールアドレスを含むパスワードは使用できません。",
        "en": "The password must not contain your email address.",
    },
    "CONSENT_REQUIRED": {
        "ja": "同意が必要です。",
        "en": "You must agree to continue.",
    },
    "CONSENT_OUTDATED": {
        "ja": "規約が更新されました。最新の内容をご確認のうえ同意してください。",
        "en": "The document has been updated; please read and agree to the current version.",
    },
    "DATE_IN_PAST": {
        "ja": "過去の日時は指定できません。",
        "en": "Choose a time that is not in the past.",
    },
    "DATE_TOO_FAR": {
        "ja": "{days}日以内の日時を指定してください。",
        "en": "Choose a time within {days} days.",
    },
    "TIMEZONE_REQUIRED": {
        "ja": "タイムゾーン付きの日時を指定してください（例: 2027-04-01T00:00:00+09:00）。",
        "en": "Give the time with its time zone (e.g. 2027-04-01T00:00:00+09:00).",
    },
    "CONFLICT": {
        "ja": "同時に別の更新が行われました。もう一度お試しください。",
        "en": "Someone else changed this at the same time. Please try again.",
    },
    "TOKEN_INVALID": {
        "ja": "このURLは無効です。お手数ですが、もう一度お手続きください。",
        "en": "This link is not valid. Please start again.",
    },
    "TOKEN_EXPIRED": {
        "ja": "このURLの有効期限が切れています。再送信してください。",
        "en": "This link has expired. Please request a new one.",
    },
    "RATE_LIMITED": {
        "ja": "操作の回数が上限に達しました。{retry_after}秒後にもう一度お試しください。",
        "en": "Too many attempts. Try again in {retry_after} seconds.",
    },
    "NOT_FOUND": {"ja": "対象が見つかりません。", "en": "Not found."},
    "INVALID_STATUS": {
        "ja": "現在の状態ではこの操作はできません。",
        "en": "This action is not possible in the current state.",
    },
    # ---- contracts (issue 13) ----
    "ERRORS_TRUNCATED": {
        "ja": "エラーが多すぎるため、ほか{omitted}件は省略しました。",
        "en": "Too many errors: {omitted} more were left out.",
    },
    "INVALID_CHARACTERS": {
        "ja": "使用できない文字（制御文字）が含まれています。",
        "en": "This contains characters that cannot be used (control characters).",
    },
    "INVALID_PLAN": {
        "ja": "月額プランまたは年額プランの商品を選択してください。",
        "en": "Choose a product sold on a monthly or an annual plan.",
    },
    "DATE_OUT_OF_RANGE": {
        "ja": "日付が有効な範囲にありません。",
        "en": "The date is outside the allowed range.",
    },
    "DUPLICATE_LINE": {
        "ja": "「{code}」が重複しています。",
        "en": "“{code}” is listed more than once.",
    },
    "INVALID_IDEMPOTENCY_KEY": {
        "ja": "冪等キーは100文字以内の表示可能な文字で指定してください。",
        "en": "The idempotency key must be at most 100 printable characters.",
    },
    "CONTRACT_START_DATE_AHEAD": {
        "ja": "契約開始日（{start_date}）より前には開始できません。",
        "en": "The contract cannot start before its start date ({start_date}).",
    },
    "INVALID_CREDENTIALS": {
        "ja": "ログインIDまたはパスワードが正しくありません。",
        "en": "The login ID or password is incorrect.",
    },
    "ACCOUNT_NOT_ACTIVE": {
        "ja": "このアカウントは現在ご利用いただけません。",
        "en": "This account cannot be used at the moment.",
    },
    "ACCOUNT_LOCKED": {
        "ja": "アカウントがロックされています。",
        "en": "This account is locked.",
    },
    "IDEMPOTENCY_KEY_REUSED": {
        "ja": "同じ操作キーが別の内容で使われています。",
        "en": "This idempotency key was used for a different request.",
    },
    "COMPANY_REQUIRED": {
        "ja": "会社名を入力してください。",
        "en": "Enter your company name.",
    },
    "INVALID_PAGE_SIZE": {
        "ja": "一度に取得できるのは0件から{max}件までです。",
        "en": "Ask for 0 to {max} items at a time.",
    },
    "PASSWORD_SAME_AS_CURRENT": {
        "ja": "現在のパスワードと異なるパスワードを入力してください。",
        "en": "Choose a password different from the current one.",
    },
    "PASSWORD_SAME_AS_TEMPORARY": {
        "ja": "仮パスワードと異なるパスワードを入力してください。",
        "en": "Choose a password different from the temporary password.",
    },
    "TEMPORARY_PASSWORD_INVALID": {
        "ja": "仮パスワードが正しくありません（残り{remaining}回）。",
        "en": "The temporary password is not correct ({remaining} attempts left).",
    },
    "RESET_ATTEMPTS_EXCEEDED": {
        "ja": "仮パスワードの入力を続けて間違えたため、このURLは無効になりました。"
        "お手数ですが、もう一度パスワードの再設定をお申し込みください。",
        "en": "Too many wrong temporary passwords: this link no longer works. "
        "Please request a new password reset.",
    },
    "EMAIL_UNCHANGED": {
        "ja": "現在のメールアドレスと異なるメールアドレスを入力してください。",
        "en": "Enter an address different from your current one.",
    },
    "EMAIL_TAKEN": {
        "ja": "このメールアドレスには変更できません。別のメールアドレスでお手続きください。",
        "en": "Your login ID cannot be changed to this address. Please use another address.",
    },
    "INVALID_ID": {"ja": "IDの形式が正しくありません。", "en": "The ID is not valid."},
    "CHALLENGE_INVALID": {
        "ja": "認証の有効期限が切れたか、無効です。もう一度ログインしてください。",
        "en": "This sign-in attempt is no longer valid. Please sign in again.",
    },
    "CHALLENGE_EXPIRED": {
        "ja": "認証の有効期限が切れました。もう一度ログインしてください。",
        "en": "This sign-in attempt has expired. Please sign in again.",
    },
    "INVALID_CODE": {
        "ja": "認証コードが正しくありません（残り{attempts_left}回）。",
        "en": "The code is not correct ({attempts_left} attempts left).",
    },
    "CODE_MISMATCH": {
        "ja": "認証コードが一致しません。認証アプリの最新のコードを入力してください。",
        "en": "The code does not match. Enter the latest code shown in your authenticator app.",
    },
    "PASSWORD_INCORRECT": {
        "ja": "現在のパスワードが正しくありません。",
        "en": "The current password is not correct.",
    },
    "TOTP_ALREADY_ENABLED": {
        "ja": "認証アプリはすでに設定されています。",
        "en": "An authenticator app is already set up.",
    },
    "TOTP_NOT_ENABLED": {
        "ja": "認証アプリが設定されていません。",
        "en": "No authenticator app is set up.",
    },
    "TWO_FACTOR_NOT_OPTIONAL": {
        "ja": "このストアでは二要素認証の設定を変更できません。",
        "en": "This store does not let you change whether two-factor authentication is used.",
    },
    # ---- catalog and calendar ----
    "OUT_OF_RANGE": {
        "ja": "{min}から{max}の範囲で入力してください。",
        "en": "Enter a value from {min} to {max}.",
    },
    "INVALID_CODE_FORMAT": {
        "ja": "コードは半角英数字と「.」「-」「_」で入力してください。",
        "en": "Use half-width letters, digits, '.', '-' and '_' only.",
    },
    "CODE_TAKEN": {
        "ja": "このコードはすでに使われています。",
        "en": "This code is already in use.",
    },
    "NAME_TAKEN": {
        "ja": "この名前はすでに使われています。",
        "en": "This name is already in use.",
    },
    "TOO_MANY": {
        "ja": "{max}件までです。",
        "en": "At most {max} are allowed.",
    },
    "INVALID_URL": {
        "ja": "http:// または https:// で始まるURLを入力してください。",
        "en": "Enter a URL starting with http:// or https://.",
    },
    "INVALID_DATE_RANGE": {
        "ja": "終了日時は開始日時より後にしてください。",
        "en": "The end must be after the start.",
    },
    "DATE_RANGE_TOO_LONG": {
        "ja": "期間は{max}日以内にしてください。",
        "en": "The range may span at most {max} days.",
    },
    "CATEGORY_CYCLE": {
        "ja": "カテゴリーを自身またはその下位カテゴリーの下へは移動できません。",
        "en": "A category cannot move under itself or one of its sub-categories.",
    },
    "CATEGORY_NOT_EMPTY": {
        "ja": "下位カテゴリーまたは商品があるカテゴリーは削除できません。",
        "en": "A category with sub-categories or products cannot be deleted.",
    },
    "INVALID_ORDER": {
        "ja": "並び順には同じ親のカテゴリーをすべて一度ずつ指定してください。",
        "en": "List every child of the parent exactly once.",
    },
    "PLAN_REQUIRED": {
        "ja": "サービス商品には月額または年額のプランを指定してください。",
        "en": "A subscription needs a monthly or annual plan.",
    },
    "PLAN_NOT_ALLOWED": {
        "ja": "物販商品にはプランを指定できません。",
        "en": "A physical product has no plan.",
    },
    "SHIPPING_CLASS_REQUIRED": {
        "ja": "物販商品には配送区分（当店発送またはメーカー直送）を指定してください。",
        "en": "A physical product ships from the store or directly from the maker.",
    },
    "INVALID_QUANTITY_RULE": {
        "ja": "数量の設定が正しくありません（最小・刻みは1以上、最大は最小以上）。",
        "en": "Invalid quantity rule (minimum and step at least 1, maximum not below minimum).",
    },
    "INVALID_OPTION_RULE": {
        "ja": "オプションの選択条件が正しくありません。",
        "en": "The option rule is not valid.",
    },
    "OPTION_GROUP_EMPTY": {
        "ja": "必須のオプショングループに選択肢がありません。",
        "en": "A required option group has no options.",
    },
    "OPTION_NOT_AVAILABLE": {
        "ja": "この商品では選択できないオプションです。",
        "en": "This option is not available for the product.",
    },
    "OPTION_SELECTION_TOO_FEW": {
        "ja": "「{group}」は{min}つ以上選択してください。",
        "en": "Choose at least {min} in “{group}”.",
    },
    "OPTION_SELECTION_TOO_MANY": {
        "ja": "「{group}」は{max}つまで選択できます。",
        "en": "Choose at most {max} in “{group}”.",
    },
    "OPTION_REQUIRES": {
        "ja": "オプション「{option}」には「{other}」の選択が必要です。",
        "en": "Option “{option}” requires “{other}”.",
    },
    "OPTION_EXCLUDES": {
        "ja": "オプション「{option}」と「{other}」は同時に選択できません。",
        "en": "Options “{option}” and “{other}” cannot be combined.",
    },
    "QUANTITY_FIXED": {
        "ja": "この商品の数量は{quantity}で固定です。",
        "en": "This product is sold in a fixed quantity of {quantity}.",
    },
    "QUANTITY_BELOW_MINIMUM": {
        "ja": "最低注文数は{min}です。",
        "en": "The minimum order quantity is {min}.",
    },
    "QUANTITY_ABOVE_MAXIMUM": {
        "ja": "注文数は{max}までです。",
        "en": "The maximum order quantity is {max}.",
    },
    "QUANTITY_STEP": {
        "ja": "数量は{min}から{step}単位で指定してください。",
        "en": "Order from {min} in steps of {step}.",
    },
    "DATE_BEFORE_EARLIEST": {
        "ja": "{earliest}以降の営業日を指定してください。",
        "en": "Choose a business day on or after {earliest}.",
    },
    "DATE_NOT_BUSINESS_DAY": {
        "ja": "当社休業日は指定できません（次の営業日: {next}）。",
        "en": "The store is closed on that day (next business day: {next}).",
    },
    "NOT_A_MEMBER": {
        "ja": "会員のアカウントでのみ行える操作です。",
        "en": "Only member accounts can do this.",
    },
    "RUNNING_CONTRACTS_NEED_ADMINISTRATOR": {
        "ja": "契約中の契約（{count}件）の管理者がいなくなるため、退会を完了できません。",
        "en": "The company's {count} running contract(s) would be left without an administrator.",
    },
    "CONTRACT_ENDING": {
        "ja": "この契約は{endDate}で終了するため、お申込みできません。",
        "en": "This contract ends on {endDate}; no further applications are possible.",
    },
    "CONTRACT_CHANGE_PENDING": {
        "ja": "{effectiveFrom}から適用される変更があるため、それまでお申込みできません。",
        "en": "A change takes effect on {effectiveFrom}; apply again from then.",
    },
    "APPLICATION_ALREADY_OPEN": {
        "ja": "この契約には手続き中のお申込み（{number}）があります。",
        "en": "This contract already has an open application ({number}).",
    },
    "CHANGE_NOT_OFFERED": {
        "ja": "この変更はお受けしておりません。",
        "en": "The store does not offer this change.",
    },
    "OUTSIDE_RENEWAL_MONTH": {
        "ja": "年契約商品は更新月（{renewalMonth}月）にのみ契約内容の変更が可能です。",
        "en": "Annual contracts can be changed only in their renewal month ({renewalMonth}).",
    },
    "PRODUCT_CHANGE_NOT_ALLOWED": {
        "ja": "この商品へは変更できません。",
        "en": "The contract cannot be changed to this product.",
    },
    "NO_CHANGE": {
        "ja": "変更内容がありません。",
        "en": "Nothing would change.",
    },
    "NOT_ALLOWED_WITH_WHOLE": {
        "ja": "一括解約では明細を指定できません。",
        "en": "A full cancellation takes no lines.",
    },
    "LAST_ADMINISTRATOR": {
        "ja": "管理者が一人もいなくなるため、この操作はできません。",
        "en": "The company would be left without an administrator.",
    },
    "ALREADY_REGISTERED": {
        "ja": "このメールアドレスはすでに会員登録されています。",
        "en": "This email address is already registered.",
    },
    "ALREADY_MEMBER": {
        "ja": "このメールアドレスのユーザーはすでに会社に登録されています。",
        "en": "A user with this email address already belongs to the company.",
    },
    "ALREADY_INVITED": {
        "ja": "このメールアドレスにはすでに招待を送っています。再送信をご利用ください。",
        "en": "This address has a pending invitation already; resend it instead.",
    },
    "INVALID_PERMISSION": {
        "ja": "権限の指定が正しくありません。",
        "en": "One of the permissions is not valid.",
    },
    "ROLE_NAME_TAKEN": {
        "ja": "同じ名前のロールがすでにあります。",
        "en": "A role with this name already exists.",
    },
    "ROLE_IN_USE": {
        "ja": "このロールはユーザーまたは招待に割り当てられているため削除できません。",
        "en": "This role is held by a user or a pending invitation and cannot be deleted.",
    },
    "BUILTIN_ROLE": {
        "ja": "標準のロールは変更・削除できません。",
        "en": "Built-in roles cannot be changed or deleted.",
    },
    "INVALID_LANGUAGE": {
        "ja": "言語は ja または en を指定してください。",
        "en": "The language must be ja or en.",
    },
    "ADDRESS_BOOK_FULL": {
        "ja": "お届け先の登録件数が上限に達しています。",
        "en": "The address book is full.",
    },
    "UNAUTHENTICATED": {"ja": "ログインしてください。", "en": "Please sign in."},
    "FORBIDDEN": {
        "ja": "この操作を行う権限がありません。",
        "en": "You are not allowed to do this.",
    },
    # -- carts (api/carts) --
    "PRODUCT_UNAVAILABLE": {
        "ja": "この商品は現在お求めいただけません。",
        "en": "This product is not available now.",
    },
    "UNKNOWN_TIME_SLOT": {
        "ja": "お届け時間帯を一覧から選択してください。",
        "en": "Choose a delivery time slot from the list.",
    },
    "TIME_SLOT_NOT_ALLOWED": {
        "ja": "この商品はお届け時間帯を指定できません。",
        "en": "This item has no delivery time slot.",
    },
    "GUEST_CART_NOT_ALLOWED": {
        "ja": "ご購入にはログインが必要です。",
        "en": "Please sign in to shop in this store.",
    },
    "DATE_AFTER_LATEST": {
        "ja": "{latest}までの日付を指定してください。",
        "en": "Choose a date on or before {latest}.",
    },
    "CART_FULL": {
        "ja": "買い物かごに入れられる商品は{max}件までです。",
        "en": "A cart holds at most {max} lines.",
    },
    "CART_TOTAL_TOO_LARGE": {
        "ja": "1回のご注文は{max}円までです。数量をご確認ください。",
        "en": "One order may total at most ¥{max}. Please check the quantities.",
    },
    "ADDRESS_NOT_DOMESTIC": {
        "ja": "お届け先は日本国内の住所のみ指定できます。",
        "en": "Deliveries go to addresses in Japan only.",
    },
    # -- end carts --
    # -- coupons (api/coupons) --
    "COUPON_NOT_FOUND": {
        "ja": "このクーポンコードは使用できません。コードをご確認ください。",
        "en": "This coupon code is not valid. Please check the code.",
    },
    "COUPON_MEMBERS_ONLY": {
        "ja": "このクーポンは会員の方のみご利用いただけます。ログインしてください。",
        "en": "This coupon is for members only. Please sign in.",
    },
    "COUPON_NOT_YET_VALID": {
        "ja": "このクーポンは{starts_at}からご利用いただけます。",
        "en": "This coupon can be used from {starts_at}.",
    },
    "COUPON_EXPIRED": {
        "ja": "このクーポンの有効期限は{ends_at}までです。",
        "en": "This coupon expired at {ends_at}.",
    },
    "COUPON_USED_UP": {
        "ja": "このクーポンは利用上限に達したため、ご利用いただけません。",
        "en": "This coupon has been used up.",
    },
    "COUPON_ALREADY_USED": {
        "ja": "このクーポンはお一人様{limit}回までご利用いただけます。",
        "en": "This coupon can be used {limit} time(s) per member.",
    },
    "COUPON_NOT_APPLICABLE": {
        "ja": "買い物かごにこのクーポンの対象商品がありません。",
        "en": "No item in the cart is eligible for this coupon.",
    },
    "COUPON_BELOW_MINIMUM": {
        "ja": "このクーポンは対象商品{minimum}円以上のお買い上げでご利用いただけます。",
        "en": "This coupon needs eligible items worth at least ¥{minimum}.",
    },
    "COUPON_AMOUNT_CHANGED": {
        "ja": "クーポンの割引額が変わりました(新しい割引額: {amount}円)。内容をご確認ください。",
        "en": "The coupon's discount has changed (now ¥{amount}). Please check the order.",
    },
    # -- end coupons --
    # -- points (api/points) --
    "POINTS_EXCEED_BALANCE": {
        "ja": "ご利用いただけるポイントは{balance}ポイントまでです。",
        "en": "You can use at most {balance} points.",
    },
    "POINTS_EXCEED_TOTAL": {
        "ja": "お支払い金額({max}円)を超えるポイントは使用できません。",
        "en": "Points cannot exceed the amount payable (¥{max}).",
    },
    "POINTS_MEMBERS_ONLY": {
        "ja": "ポイントは会員の方のみご利用いただけます。ログインしてください。",
        "en": "Points are for members only. Please sign in.",
    },
    # -- end points --
    # ---- account security (issue 10) ----
    "SECOND_FACTOR_METHOD_NOT_AVAILABLE": {
        "ja": "このアカウントではこの認証方法は使えません。"
        "認証アプリまたはバックアップコードをご利用ください。",
        "en": "This account cannot use this method: use the authenticator app or a backup code.",
    },
    "REAUTHENTICATION_REQUIRED": {
        "ja": "この操作にはパスワードの再入力が必要です。",
        "en": "Enter your password again to do this.",
    },
    "PASSWORD_CONTAINS_PERSONAL_INFO": {
        "ja": "氏名や会社名を含むパスワードは使用できません。",
        "en": "The password must not contain your name or your company's name.",
    },
    # ---- closing-date billing (issue 14) ----
    "INVOICE_VOID": {
        "ja": "この請求書は取り消されています。",
        "en": "This invoice has been voided.",
    },
    "INVOICE_PAID": {
        "ja": "この請求書はお支払い済みです。",
        "en": "This invoice has already been paid.",
    },
    # Shared by invoices (params amount, outstanding) and order payments (params expected,
    # received): the message names no value, the params carry them.
    "PAYMENT_AMOUNT_MISMATCH": {
        "ja": "入金額が請求額と一致しません。",
        "en": "The amount paid does not match the amount due.",
    },
    "PAYMENT_ALREADY_RECORDED": {
        "ja": "この入金はすでに記録されています。",
        "en": "This payment has already been recorded.",
    },
    "UNPAID_INVOICES": {
        "ja": "未払いの請求書が{count}件あるため退会を完了できません。",
        "en": "The withdrawal cannot be completed while {count} invoice(s) are unpaid.",
    },
    "PAYMENT_TERM_NOT_OFFERED": {
        "ja": "この支払条件は選択できません。",
        "en": "This payment term is not offered.",
    },
    "NO_COMPANY": {
        "ja": "会社に所属する会員のみ利用できます。",
        "en": "Only members of a company can do this.",
    },
    # ---- quotes (issue 11) ----
    "QUOTES_DISABLED": {
        "ja": "このストアでは見積書を作成できません。",
        "en": "This store does not issue quotes.",
    },
    "CART_EMPTY": {
        "ja": "買い物かごに商品がありません。",
        "en": "The cart is empty.",
    },
    "CART_NOT_PURCHASABLE": {
        "ja": "買い物かごにご購入いただけない商品があります。内容をご確認ください。",
        "en": "Some cart lines cannot be bought as they are: please check the cart.",
    },
    "DELIVERY_ADDRESS_REQUIRED": {
        "ja": "お届け先を選択してください。",
        "en": "Choose a delivery address.",
    },
    "UNKNOWN_PAYMENT_METHOD": {
        "ja": "お支払方法を一覧から選択してください。",
        "en": "Choose a payment method from the list.",
    },
    "QUOTE_EXPIRED": {
        "ja": "この見積書の有効期限（{valid_until}）が過ぎています。",
        "en": "This quote expired (valid until {valid_until}).",
    },
    "QUOTE_PRICE_CHANGED": {
        "ja": "見積時のクーポン・キャンペーン・ポイントの有効期限が切れたため、"
        "見積書の価格は適用されません（現在の合計: {new_total}円）。",
        "en": "The quoted price no longer applies: a coupon, campaign or points in the quote "
        "have expired (total now ¥{new_total}).",
    },
    "QUOTE_TOO_LARGE": {
        "ja": "1通の見積書に載せられる商品は{max}件までです。",
        "en": "A quote holds at most {max} lines.",
    },
    # Order documents (issue 12; docs/orders.md).
    "ORDER_NOT_SHIPPED": {
        "ja": "納品書・請求書・領収書は商品の発送完了後に発行できます。",
        "en": "Documents can be issued once the order has shipped.",
    },
    "DELIVERY_NOTE_NOT_AVAILABLE": {
        "ja": "このご注文の商品には納品書の発行対象がありません。",
        "en": "No product of this order comes with a delivery note.",
    },
    "RECEIPT_CARD_ONLY": {
        "ja": "領収書はクレジットカード決済のご注文のみ発行できます。",
        "en": "Receipts are issued for card payments only.",
    },
    "INVALID_DOCUMENT_KIND": {
        "ja": "この書類はこの方法では発行できません。",
        "en": "This document cannot be issued this way.",
    },
    "INVALID_TEXT": {
        "ja": "使用できない文字が含まれています。",
        "en": "This text contains characters that cannot be used.",
    },
    # ---- payments (issue 12) ----
    "PAYMENT_DECLINED": {
        "ja": "カードがご利用いただけませんでした。別のカードをお試しください。",
        "en": "The card was declined. Please try another card.",
    },
    "PAYMENT_PROVIDER_UNAVAILABLE": {
        "ja": "決済処理を完了できませんでした。しばらくしてからもう一度お試しください。",
        "en": "The payment could not be processed. Please try again shortly.",
    },
    "PAYMENT_METHOD_UNAVAILABLE": {
        "ja": "このお支払方法は現在ご利用いただけません。",
        "en": "This payment method is not available.",
    },
    "INVALID_CARD_TOKEN": {
        "ja": "カード情報を確認できませんでした。もう一度入力してください。",
        "en": "The card details could not be read. Please enter them again.",
    },
    "CARD_REQUIRED": {
        "ja": "お支払いに使うカードを入力するか、登録済みのカードを1枚選択してください。",
        "en": "Enter a card or choose one stored card.",
    },
    "PAYMENT_ALREADY_STARTED": {
        "ja": "この注文のお支払いは別の内容で手続き済みです。",
        "en": "A different payment was already started for this order.",
    },
    "NOT_BANK_TRANSFER": {
        "ja": "銀行振込の注文ではありません。",
        "en": "This order is not paid by bank transfer.",
    },
    "DATE_IN_FUTURE": {
        "ja": "{max}以前の日付を入力してください。",
        "en": "Enter a date on or before {max}.",
    },
    "DATE_TOO_EARLY": {
        "ja": "{min}以降の日付を入力してください。",
        "en": "Enter a date on or after {min}.",
    },
    "EMAIL_MISMATCH": {
        "ja": "現在のメールアドレスが正しくありません。",
        "en": "This is not your current email address.",
    },
    "SERVICE_UNAVAILABLE": {
        "ja": "ただいまサービスを一時的に利用できません。しばらくしてからもう一度お試しください。",
        "en": "The service is temporarily unavailable. Please try again shortly.",
    },
}


def message(code: str, language: str = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    texts = MESSAGES.get(code)
    if texts is None:
        return code
    text = texts.get(language) or texts[DEFAULT_LANGUAGE]
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text


def pick_language(accept_language: str | None) -> str:
    """The first supported language in an Accept-Language header; Japanese otherwise."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked = []
    for i, part in enumerate(accept_language.split(",")):
        lang, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        ranked.append((-weight, i, lang.strip().lower()[:2]))
    for _, _, lang in sorted(ranked):
        if lang in LANGUAGES:
            return lang
    return DEFAULT_LANGUAGE
