"""xero-sandbox: a local emulator of the Xero API with generated demo organisations.

Laid out as moto lays out a service:

- `backend/`: state and Xero's rules, no HTTP (moto's models.py). `backend.sandbox.Sandbox`
  holds one running sandbox; reads, writes, reports and the identity server answer with
  `backend.answers.Answer`.
- `responses.py`: how answers go on the wire (JSON, XML, fault and gateway answers);
  `handlers.py`: the API call pipeline (request -> backend -> response).
- `routes.py`: URL rules from the endpoint table; `app.py`: the Flask app; `admin.py`: the
  /__admin routes; `xml_bodies.py`: XML in and out.
- `cli.py`: the `xero-sandbox` console script; `testing.py` (`SandboxProcess`, a served
  sandbox) and `inprocess.py` (`SandboxInProcess`, Flask's test client) for tests.
"""
