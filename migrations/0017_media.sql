-- Voice and video evidence (issue 13). Append-only: never edit this file after release; add a
-- new numbered file.
--
-- media_json: what an audio or video attachment is, read from its container at intake
-- (evidence::media::MediaInfo as JSON: kind, container, duration_ms, audio {codec, sample_rate,
-- channels}, video {codec, width, height}, waveform of 200 peaks 0-255, waveform_note). NULL for
-- everything else. Like the thumbnail it is this vault's own: bundles do not carry it, an
-- importing vault reads it from the verified original.
ALTER TABLE attachment ADD COLUMN media_json TEXT;
