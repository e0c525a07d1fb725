"""Topics: suggestion from text, surge detection, new-cluster detection (pure core).

See docs/dev/topics.md. The web side calls:

* ``train_model(texts, topics, keywords_by_topic=None) -> TopicModel``,
  ``model.suggest(texts, top=3) -> list[list[(topic, confidence)]]``,
  ``save_model(model, directory)``, ``load_model(directory)``
  (:mod:`.model`, :mod:`.storage`);
* ``detect_surges(counts, first_bin_at=…, bin_size=HOUR, now=None) -> list[SurgeAlert]``
  (:mod:`.surges`);
* ``ClusterDetector(window=…, min_members=5, similarity=0.4).add(text, at)
  -> ClusterAlert | None`` (:mod:`.clusters`).

Submodules import scikit-learn/SciPy, so import them where they are used.
"""
