<html><body>
<p>{{!text}}</p>
<p>{{!"<b>literal</b>"}}</p>
</body></html>
