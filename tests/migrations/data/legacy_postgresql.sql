-- The schema `Base.metadata.create_all` made before migrations (git 29aedcb), on PostgreSQL.
-- tests/migrations builds an "older database" from it: never edit it to follow the models.
CREATE TABLE actors (
	id VARCHAR(40) NOT NULL,
	label VARCHAR(120) NOT NULL,
	PRIMARY KEY (id)
);
CREATE TABLE contacts (
	id VARCHAR(40) NOT NULL,
	position INTEGER NOT NULL,
	team VARCHAR(120) NOT NULL,
	kind VARCHAR(10) NOT NULL,
	value VARCHAR(200) NOT NULL,
	purpose TEXT NOT NULL,
	PRIMARY KEY (id)
);
CREATE TABLE desk_settings (
	name VARCHAR(80) NOT NULL,
	value TEXT,
	PRIMARY KEY (name)
);
CREATE TABLE diagnoses (
	id SERIAL NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	conversation_id VARCHAR(200) NOT NULL,
	error_id VARCHAR(80),
	how VARCHAR(20) NOT NULL,
	excerpt TEXT,
	PRIMARY KEY (id)
);
CREATE INDEX ix_diagnoses_conversation_id ON diagnoses (conversation_id);
CREATE INDEX ix_diagnoses_created_at ON diagnoses (created_at);
CREATE INDEX ix_diagnoses_error_id ON diagnoses (error_id);
CREATE TABLE feedback (
	id SERIAL NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	conversation_id VARCHAR(200) NOT NULL,
	error_id VARCHAR(80) NOT NULL,
	helpful BOOLEAN NOT NULL,
	PRIMARY KEY (id)
);
CREATE INDEX ix_feedback_conversation_id ON feedback (conversation_id);
CREATE INDEX ix_feedback_created_at ON feedback (created_at);
CREATE INDEX ix_feedback_error_id ON feedback (error_id);
CREATE TABLE kb_meta (
	key VARCHAR(40) NOT NULL,
	value TEXT NOT NULL,
	PRIMARY KEY (key)
);
CREATE TABLE outcomes (
	id SERIAL NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	conversation_id VARCHAR(200) NOT NULL,
	error_id VARCHAR(80) NOT NULL,
	outcome VARCHAR(20) NOT NULL,
	PRIMARY KEY (id)
);
CREATE INDEX ix_outcomes_conversation_id ON outcomes (conversation_id);
CREATE INDEX ix_outcomes_created_at ON outcomes (created_at);
CREATE INDEX ix_outcomes_error_id ON outcomes (error_id);
CREATE TABLE record_types (
	id VARCHAR(40) NOT NULL,
	position INTEGER NOT NULL,
	label VARCHAR(120) NOT NULL,
	PRIMARY KEY (id)
);
CREATE TABLE tickets (
	id SERIAL NOT NULL,
	reference VARCHAR(20),
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
	status VARCHAR(10) NOT NULL,
	conversation_id VARCHAR(200) NOT NULL,
	channel VARCHAR(40) NOT NULL,
	error_key VARCHAR(80) NOT NULL,
	error_id VARCHAR(80),
	reason VARCHAR(40) NOT NULL,
	values JSON NOT NULL,
	steps JSON NOT NULL,
	transcript JSON NOT NULL,
	customer JSON NOT NULL,
	note TEXT,
	PRIMARY KEY (id),
	CONSTRAINT uq_ticket_error UNIQUE (conversation_id, error_key),
	UNIQUE (reference)
);
CREATE INDEX ix_tickets_conversation_id ON tickets (conversation_id);
CREATE TABLE errors (
	id VARCHAR(80) NOT NULL,
	number INTEGER NOT NULL,
	title VARCHAR(200) NOT NULL,
	short_title VARCHAR(120) NOT NULL,
	record_type VARCHAR(40) NOT NULL,
	message TEXT NOT NULL,
	prefix VARCHAR(200),
	explanation JSON NOT NULL,
	support VARCHAR(10) NOT NULL,
	handover TEXT,
	confirm_fix BOOLEAN NOT NULL,
	answers JSON,
	PRIMARY KEY (id),
	UNIQUE (number),
	FOREIGN KEY(record_type) REFERENCES record_types (id)
);
CREATE TABLE error_links (
	error_id VARCHAR(80) NOT NULL,
	position INTEGER NOT NULL,
	title VARCHAR(200) NOT NULL,
	url VARCHAR(500) NOT NULL,
	PRIMARY KEY (error_id, position),
	FOREIGN KEY(error_id) REFERENCES errors (id) ON DELETE CASCADE
);
CREATE TABLE error_phrases (
	error_id VARCHAR(80) NOT NULL,
	position INTEGER NOT NULL,
	text TEXT NOT NULL,
	PRIMARY KEY (error_id, position),
	FOREIGN KEY(error_id) REFERENCES errors (id) ON DELETE CASCADE
);
CREATE TABLE fix_steps (
	error_id VARCHAR(80) NOT NULL,
	position INTEGER NOT NULL,
	actor VARCHAR(40) NOT NULL,
	place VARCHAR(200) NOT NULL,
	text JSON NOT NULL,
	choice INTEGER,
	PRIMARY KEY (error_id, position),
	FOREIGN KEY(error_id) REFERENCES errors (id) ON DELETE CASCADE,
	FOREIGN KEY(actor) REFERENCES actors (id)
);
