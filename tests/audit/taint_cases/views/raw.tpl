<p>{{!msg}}</p>
<p>{{safe_one}}</p>
