-- 接诉即办: residents' requests. The city's service catalogue (Open311 "services"): what a
-- request is about, how long it may take, which tier takes it first and which department
-- the street summons when it climbs that far (a department of the request's district with
-- this name).
CREATE TABLE service (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    group_name  TEXT NOT NULL,
    description TEXT NOT NULL,
    keywords    TEXT NOT NULL DEFAULT '',
    limit_hours INTEGER NOT NULL,
    tier        TEXT NOT NULL,
    department  TEXT,
    active      INTEGER NOT NULL DEFAULT 1,
    position    INTEGER NOT NULL
);
INSERT INTO service (code, name, group_name, description, keywords, limit_hours, tier, department, position) VALUES
    ('sanitation', '环境卫生', '市容环境', '垃圾清运不及时、乱堆乱放、公共区域脏乱', '垃圾,卫生,清运', 48, 'grid', '城市管理局', 1),
    ('facilities', '市政设施', '市容环境', '路灯不亮、井盖缺损、道路破损', '路灯,井盖,道路', 72, 'community', '住房和城乡建设局', 2),
    ('heating', '供暖问题', '民生保障', '室温不达标、暖气不热、漏水', '供暖,暖气,室温', 24, 'community', '住房和城乡建设局', 3),
    ('water', '供水排水', '民生保障', '停水、水压低、下水道堵塞', '停水,水压,下水', 48, 'community', '水务局', 4),
    ('property', '物业管理', '居住环境', '物业服务不到位、电梯故障、违规收费', '物业,电梯', 72, 'community', '住房和城乡建设局', 5),
    ('noise', '噪声扰民', '居住环境', '施工、商铺、夜间噪声', '噪音,噪声,扰民', 48, 'grid', '生态环境局', 6),
    ('dispute', '邻里纠纷', '平安和谐', '邻里矛盾、家庭纠纷调解', '纠纷,调解', 120, 'grid', '司法局', 7),
    ('building', '违法建设', '市容环境', '私搭乱建、占用公共空间', '违建,私搭乱建', 168, 'street', '城市管理局', 8),
    ('care', '困难帮扶', '民生保障', '孤寡老人、困难家庭、残疾人帮扶', '老人,困难,帮扶', 72, 'community', '民政局', 9),
    ('safety', '安全隐患', '平安和谐', '消防通道堵塞、电动车违规充电、治安隐患', '消防,安全,充电', 24, 'grid', '公安分局', 10),
    ('market', '市场秩序', '平安和谐', '占道经营、食品安全、价格问题', '占道,食品,价格', 72, 'street', '市场监督管理局', 11),
    ('other', '其他', '其他', '以上未列的急难愁盼', '', 120, 'community', NULL, 12);

-- Where a service is taken first, and whom the street summons, differently somewhere: the
-- rule at the longest prefix of a request's place wins over the service's own.
CREATE TABLE routing_rule (
    service_code TEXT NOT NULL REFERENCES service(code),
    scope_code   TEXT NOT NULL,
    tier         TEXT NOT NULL,
    department   TEXT,
    PRIMARY KEY (service_code, scope_code)
) WITHOUT ROWID;

-- The time limits every service shares, and the composite score's weights (one row).
CREATE TABLE request_setting (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    respond_hours       INTEGER NOT NULL,
    verify_hours        INTEGER NOT NULL,
    extend_hours        INTEGER NOT NULL,
    weight_response     INTEGER NOT NULL,
    weight_resolution   INTEGER NOT NULL,
    weight_satisfaction INTEGER NOT NULL
);
INSERT INTO request_setting VALUES (1, 2, 24, 72, 30, 35, 35);

-- The places a point is looked up in (grids and communities with a polygon), by the
-- 0.01° squares their bounding boxes touch; the exact test runs on the few found.
CREATE TABLE area_cell (
    cell TEXT NOT NULL,
    code TEXT NOT NULL REFERENCES territory(code),
    PRIMARY KEY (cell, code)
) WITHOUT ROWID;

CREATE TABLE request (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    token          TEXT NOT NULL UNIQUE,
    service_code   TEXT NOT NULL REFERENCES service(code),
    channel        TEXT NOT NULL,
    -- The deepest node found for the place: a grid, else a community, else wider.
    node_code      TEXT NOT NULL REFERENCES territory(code),
    lon            REAL,
    lat            REAL,
    address        TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL,
    reporter_login TEXT,
    reporter_name  TEXT,
    reporter_phone TEXT,
    reporter_email TEXT,
    device_id      TEXT,
    stage          TEXT NOT NULL,
    tier           TEXT,
    handler_code   TEXT,
    department_id  INTEGER REFERENCES department(id),
    summons_id     INTEGER REFERENCES summons(id),
    received_at    TEXT NOT NULL,
    -- The month received in: what every tally of this request counts against.
    month          TEXT NOT NULL,
    due_at         TEXT NOT NULL,
    -- When the current holder's step is due (signing for it, then replying, then
    -- verification); the escalation scan reads this. NULL when nothing is running.
    step_due_at    TEXT,
    first_dispatched_at TEXT,
    responded_at   TEXT,
    closed_at      TEXT,
    reworks        INTEGER NOT NULL DEFAULT 0,
    extensions     INTEGER NOT NULL DEFAULT 0,
    score          INTEGER,
    solved         INTEGER,
    rating_text    TEXT,
    status_notes   TEXT NOT NULL DEFAULT '',
    updated_at     TEXT NOT NULL
);
CREATE INDEX request_node ON request(node_code, id);
CREATE INDEX request_step_due ON request(step_due_at) WHERE step_due_at IS NOT NULL;
CREATE INDEX request_reporter ON request(reporter_login) WHERE reporter_login IS NOT NULL;
CREATE INDEX request_department ON request(department_id) WHERE department_id IS NOT NULL;
CREATE INDEX request_received ON request(received_at);

-- Every step, with who and when: the request's history.
CREATE TABLE request_event (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id   INTEGER NOT NULL REFERENCES request(id),
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    stage        TEXT NOT NULL,
    tier         TEXT,
    handler_code TEXT,
    department_id INTEGER,
    note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX request_event_request ON request_event(request_id, id);

-- Photos sent with a request or its reply, kept in the database like evidence.
CREATE TABLE request_photo (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id INTEGER NOT NULL REFERENCES request(id),
    kind       TEXT NOT NULL,
    sm3        TEXT NOT NULL,
    size       INTEGER NOT NULL,
    bytes      BLOB NOT NULL,
    added_at   TEXT NOT NULL
);
CREATE INDEX request_photo_request ON request_photo(request_id);

-- What grids could not solve, waiting for the community's 大党委 or the street's 大工委.
CREATE TABLE agenda_item (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    node_code  TEXT NOT NULL REFERENCES territory(code),
    request_id INTEGER NOT NULL UNIQUE REFERENCES request(id),
    reason     TEXT NOT NULL,
    added_at   TEXT NOT NULL
);
CREATE INDEX agenda_item_node ON agenda_item(node_code);

-- Counts per node, month received and measure, kept on write at every level above the
-- request's place, so a dashboard reads a handful of rows whatever the volume.
CREATE TABLE request_tally (
    level     TEXT NOT NULL,
    node_code TEXT NOT NULL,
    month     TEXT NOT NULL,
    measure   TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (level, node_code, month, measure)
) WITHOUT ROWID;

-- Keys for Open311 clients (stored as SM3 hashes, like tokens).
CREATE TABLE open311_key (
    hash       TEXT PRIMARY KEY,
    label      TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
