-- The Kafka backbone's relay, per dataset: the last offset published to the dataset's topic and
-- acknowledged by the broker, and how the topic's own offsets line up with the dataset's
-- (topic offset = dataset offset + kafka_base, for the first event published to the topic;
-- an event published twice after a relay died only moves later ones further up, so a reader
-- seeking with kafka_base lands at or before the event it wants). The relay holding a
-- dataset's lease (an advisory lock) is the only writer of its row.
create table event_relay (
  dataset_id     uuid primary key references datasets (id),
  topic          text not null,
  relayed_offset bigint not null default 0,
  kafka_base     bigint not null,
  updated_at     timestamptz not null default now()
);
